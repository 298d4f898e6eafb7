"""The Celery composition root: broker, reliability settings and the heartbeat step.

Tasks take ids and re-fetch; the DB is the ledger, Celery only the transport (DESIGN §5).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis as redis_sync
from celery import Celery, bootsteps
from celery.worker import WorkController
from kombu import Queue

from colmeia.config import Settings
from colmeia.redis import celery_broker_url
from colmeia.runs.task_names import resume_queue
from colmeia.telemetry.worker import install_worker_hooks
from colmeia.worker import heartbeat
from colmeia.worker.agent_runtime import AgentRuntime

logger = logging.getLogger("colmeia.worker")


class Heartbeat(bootsteps.StartStopStep):
    """Beats into Redis on the worker's own timer, and leaves the set on a clean stop."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, parent: WorkController, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.client: redis_sync.Redis | None = None
        self.timer_ref: Any = None  # celery's timer entry is untyped

    def start(self, parent: WorkController) -> None:
        conf = parent.app.conf
        self.client = redis_sync.Redis.from_url(conf["colmeia_redis_url"], socket_timeout=2.0)
        interval = float(conf["colmeia_heartbeat_interval_s"])
        self._beat(parent)
        timer: Any = parent.timer  # celery-types does not declare Timer.call_repeatedly
        self.timer_ref = timer.call_repeatedly(interval, self._beat, (parent,))

    def stop(self, parent: WorkController) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
        if self.client is not None:
            try:
                heartbeat.leave(self.client, _hostname(parent))
            except redis_sync.RedisError:
                logger.warning("could not remove the worker heartbeat; it expires by TTL")
            self.client.close()

    def _beat(self, parent: WorkController) -> None:
        assert self.client is not None
        try:
            heartbeat.beat(self.client, _hostname(parent))
        except redis_sync.RedisError as error:
            logger.warning("worker heartbeat failed: %s", error)


class AgentRuns(bootsteps.StartStopStep):
    """Opens the agent runtime (and its reaper) when the worker starts; on a warm shutdown,
    drains it before the pool is stopped (runs in flight finish, up to the drain timeout)."""

    requires = ("celery.worker.components:Pool",)

    def start(self, parent: WorkController) -> None:
        runtime = _runtime(parent)
        # Loading graphs takes seconds: off the boot path (a first run waits on the same lock).
        threading.Thread(target=_start_quietly, args=(runtime,), daemon=True).start()

    def stop(self, parent: WorkController) -> None:
        timeout = float(parent.app.conf["colmeia_drain_timeout_s"])
        logger.info("draining agent runs (up to %.0f s)", timeout)
        _runtime(parent).drain(timeout)


def _runtime(parent: WorkController) -> AgentRuntime:
    runtime: AgentRuntime = parent.app.colmeia_agents
    return runtime


def _start_quietly(runtime: AgentRuntime) -> None:
    try:
        runtime.start()
    except Exception:  # the first run retries the start and fails visibly then
        logger.exception("could not open the agent runtime")


def _hostname(parent: WorkController) -> str:
    worker: Any = parent  # celery-types does not declare WorkController.hostname
    return str(worker.hostname)


def create_celery(settings: Settings, redis_url: str) -> Celery:
    """A Celery app on the configured broker (default: the Redis at ``redis_url``)."""
    broker = settings.broker.url or celery_broker_url(redis_url)
    app = Celery("colmeia", broker=broker, include=["colmeia.worker.tasks", "colmeia.runs.tasks"])
    app.conf.update(
        # Threads handing runs to one event loop (DESIGN §5), waking the consumer on completion.
        worker_pool="colmeia.worker.pool:TaskPool",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        colmeia_redis_url=redis_url,
        colmeia_heartbeat_interval_s=settings.worker.heartbeat_interval_s,
        colmeia_drain_timeout_s=settings.runs.drain_timeout_s,
    )
    app.steps["worker"].add(Heartbeat)
    app.steps["worker"].add(AgentRuns)
    install_worker_hooks(settings)  # tracing, Sentry, LangSmith in the worker process
    # Agent runs go to their own queue (named per deployment), consumed besides the default;
    # runs sent again (recovered, handed back) to a resume queue, so they skip the backlog.
    resumed = resume_queue(settings.agents.queue)
    app.conf.colmeia_resume_queue = resumed
    app.conf.task_queues = [
        Queue(app.conf.task_default_queue),
        Queue(settings.agents.queue),
        Queue(resumed),
    ]
    app.conf.task_routes = {"runs.execute": {"queue": settings.agents.queue}}
    # Agent runs execute on one event loop per worker process, opened on the first run.
    app.colmeia_agents = AgentRuntime(settings, redis_url, app)  # type: ignore[attr-defined]
    return app
