"""Every Prometheus metric Colmeia exposes, defined once so any package can import and use it.

    from colmeia.telemetry.metrics import LLM_TOKENS
    LLM_TOKENS.labels(model="gpt-4o-mini", agent="researcher", direction="input").inc(120)

Multi-process: when ``PROMETHEUS_MULTIPROC_DIR`` is set in the environment *before* Python
starts (``colmeia up`` sets it for its API and worker children; set it yourself for
``colmeia api --workers N`` plus separate ``colmeia worker`` processes on one machine),
prometheus-client keeps each process's values in files there and `render` aggregates them,
so ``/metrics`` on any API process shows the API workers' *and* the Celery workers' numbers.
Label values stay low-cardinality on purpose: route templates, model and agent names,
statuses — never user, tenant or run ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from colmeia.telemetry.multiproc import MULTIPROC_ENV

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

# HTTP
HTTP_REQUESTS = Counter(
    "colmeia_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "colmeia_http_request_duration_seconds",
    "HTTP request duration, from first byte in to last byte out",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)

# Runs and the queue
RUNS = Counter("colmeia_runs", "Runs that reached a status", ["status"])
RUN_DURATION = Histogram(
    "colmeia_run_duration_seconds", "Run execution time", ["status"], buckets=LATENCY_BUCKETS
)
QUEUE_DEPTH = Gauge(
    "colmeia_queue_depth", "Runs waiting to be executed", multiprocess_mode="mostrecent"
)
QUEUE_OLDEST_AGE = Gauge(
    "colmeia_queue_oldest_pending_age_seconds",
    "Age of the oldest pending run",
    multiprocess_mode="mostrecent",
)
LEASE_RECOVERIES = Counter(
    "colmeia_run_lease_recoveries", "Runs re-enqueued after their lease expired"
)
DEAD_LETTERS = Counter("colmeia_dead_letters", "Runs moved to the dead-letter list", ["reason"])
TASKS = Counter("colmeia_celery_tasks", "Celery tasks finished", ["task", "state"])
CRON_OCCURRENCES = Counter(
    "colmeia_cron_occurrences",
    "Cron occurrences this replica won: a run created, or skipped (thread busy, user gone…)",
    ["outcome"],
)
CRON_TICK_FAILURES = Counter(
    "colmeia_cron_tick_failures", "Scheduler ticks that failed (database or broker down)"
)

# LLM gateway
LLM_CALLS = Counter("colmeia_llm_calls", "LLM calls", ["model", "agent", "outcome"])
LLM_TOKENS = Counter("colmeia_llm_tokens", "LLM tokens", ["model", "agent", "direction"])
LLM_COST = Counter("colmeia_llm_cost_usd", "LLM spend in US dollars", ["model", "agent"])
LLM_LATENCY = Histogram(
    "colmeia_llm_latency_seconds", "LLM call latency", ["model", "agent"], buckets=LATENCY_BUCKETS
)

# Semantic cache
CACHE_LOOKUPS = Counter("colmeia_cache_lookups", "Cache lookups", ["tier", "outcome"])
CACHE_FALSE_HITS = Counter("colmeia_cache_false_hit_reports", "Cache hits reported as wrong")
CACHE_SAVED_TOKENS = Counter("colmeia_cache_saved_tokens", "Tokens not spent thanks to hits")
CACHE_SAVED_COST = Counter("colmeia_cache_saved_cost_usd", "Spend avoided thanks to cache hits")

# Limits and budgets
RATE_LIMIT_REJECTIONS = Counter(
    "colmeia_rate_limit_rejections", "Requests refused by a rate limit", ["scope"]
)
BUDGET_SPENT = Counter("colmeia_budget_spent_usd", "Spend charged to budgets", ["scope"])
BUDGET_REJECTIONS = Counter(
    "colmeia_budget_rejections", "Calls refused because a budget was exhausted", ["scope"]
)

DECLARED: tuple[MetricWrapperBase, ...] = (
    HTTP_REQUESTS,
    HTTP_LATENCY,
    RUNS,
    RUN_DURATION,
    QUEUE_DEPTH,
    QUEUE_OLDEST_AGE,
    LEASE_RECOVERIES,
    DEAD_LETTERS,
    TASKS,
    CRON_OCCURRENCES,
    CRON_TICK_FAILURES,
    LLM_CALLS,
    LLM_TOKENS,
    LLM_COST,
    LLM_LATENCY,
    CACHE_LOOKUPS,
    CACHE_FALSE_HITS,
    CACHE_SAVED_TOKENS,
    CACHE_SAVED_COST,
    RATE_LIMIT_REJECTIONS,
    BUDGET_SPENT,
    BUDGET_REJECTIONS,
)


class _DeclaredFamilies(Collector):
    """Multi-process output plus an empty family (HELP/TYPE) for every declared metric no
    process has touched yet, so dashboards and alerts see every family from the start."""

    def __init__(self, path: str) -> None:
        self._collector = MultiProcessCollector(None, path=path)  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Metric]:
        seen: set[str] = set()
        for family in self._collector.collect():  # type: ignore[no-untyped-call]
            seen.add(family.name)
            yield family
        for declared in DECLARED:
            for family in _empty_families(declared):
                if family.name not in seen:
                    yield family


def _empty_families(declared: MetricWrapperBase) -> Iterator[Metric]:
    # describe() yields the family with its name, help and type but no samples.
    yield from declared.describe()


def render() -> tuple[bytes, str]:
    """The exposition text for this process, or for every process sharing the multi-process
    directory; returned with its content type."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    registry.register(_DeclaredFamilies(path))
    return generate_latest(registry), CONTENT_TYPE_LATEST
