"""Fault injection: which fault a request gets, and the 429 / 500 / timeout it turns into.

A fault comes from, in order of precedence:
1. `x-sim-fail-times: N` (+ `x-sim-fault-key: KEY`, default: a hash of the request body): the
   first N attempts with that key fail with the `x-sim-fault` fault (default 500), later ones
   succeed, so a client's retries can be observed (`x-sim-attempt` on the answer says which).
2. `x-sim-fault: 429|500|timeout|drop` on its own: this request fails.
3. The configured `fault_rate_*` shares, drawn from an RNG seeded with `config.seed`.

The attempt counters and the RNG live in `FaultState`, one per app, in the server process's
memory: a simulator behind several worker processes would count per process. Test and benchmark
servers run one process, and the counts are only meaningful there.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from colmeia.simllm import headers as sim_headers
from colmeia.simllm.config import SimLLMConfig
from colmeia.simllm.errors import SimulatedError

_HANG_POLL_S = 0.05


class Fault(StrEnum):
    RATE_LIMIT = "429"
    SERVER_ERROR = "500"
    TIMEOUT = "timeout"
    DROP = "drop"


class SimulatedDrop(Exception):
    """Raised inside a response to abort it: the server closes the connection mid-body."""


class FaultState:
    """The mutable part of fault injection for one app: the seeded RNG and attempt counters.

    Only touched from the server's event loop, so it needs no lock.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._attempts: Counter[str] = Counter()
        self._clients: defaultdict[str, set[str]] = defaultdict(set)

    def draw(self, config: SimLLMConfig) -> Fault | None:
        """A fault at the configured rates; no RNG draw at all when every rate is zero."""
        rates = (
            (Fault.RATE_LIMIT, config.fault_rate_429),
            (Fault.SERVER_ERROR, config.fault_rate_500),
            (Fault.TIMEOUT, config.fault_rate_timeout),
            (Fault.DROP, config.fault_rate_drop),
        )
        if not any(rate > 0 for _, rate in rates):
            return None
        roll = self._rng.random()
        for fault, rate in rates:
            if roll < rate:
                return fault
            roll -= rate
        return None

    def count_attempt(self, key: str, client: str = "") -> int:
        """Record one more attempt under `key` (and the ``User-Agent`` that made it, so a test
        can tell which client library called) and return its number, starting at 1."""
        self._attempts[key] += 1
        self._clients[key].add(client)
        return self._attempts[key]

    def clients(self, key: str) -> list[str]:
        """The ``User-Agent`` headers of the attempts under `key`."""
        return sorted(self._clients.get(key, ()))

    def attempts(self, key: str) -> int:
        """How many attempts were recorded under `key`."""
        return self._attempts[key]


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request."""

    fault: Fault | None
    attempt: int | None
    retry_after_s: float | None
    """Sent as Retry-After: always with a 429, with a 500 only when the request asked for it."""
    timeout_s: float


def plan(
    headers: Mapping[str, str], body_key: str, config: SimLLMConfig, state: FaultState
) -> FaultPlan:
    """Decide the fault for a request from its headers, then from the configured rates."""
    requested = _requested_fault(headers)
    fail_times = sim_headers.read_int(headers, sim_headers.FAIL_TIMES)
    attempt: int | None = None
    if fail_times is not None:
        key = headers.get(sim_headers.FAULT_KEY) or body_key
        attempt = state.count_attempt(key, headers.get("user-agent", ""))
        fault = (requested or Fault.SERVER_ERROR) if attempt <= fail_times else None
    else:
        fault = requested or state.draw(config)
    retry_after: float | None = None
    if sim_headers.FAULT_RETRY_AFTER in headers or fault is Fault.RATE_LIMIT:
        retry_after = sim_headers.read_float(
            headers, sim_headers.FAULT_RETRY_AFTER, config.retry_after_s
        )
    return FaultPlan(
        fault=fault,
        attempt=attempt,
        retry_after_s=retry_after,
        timeout_s=sim_headers.read_float(headers, sim_headers.TIMEOUT_S, config.timeout_s),
    )


async def apply(plan: FaultPlan, is_disconnected: Callable[[], Awaitable[bool]]) -> None:
    """Raise the planned 429 / 500, or hang for a timeout; drops are left to the response."""
    retry_after: dict[str, str] = {}
    if plan.retry_after_s is not None:
        # Retry-After proper is whole seconds; the openai SDK prefers the finer retry-after-ms.
        retry_after = {
            "retry-after": str(math.ceil(plan.retry_after_s)),
            "retry-after-ms": str(round(plan.retry_after_s * 1000)),
        }
    if plan.fault is Fault.RATE_LIMIT:
        raise SimulatedError(
            429, "Rate limit reached (simulated).", code="rate_limit_exceeded", headers=retry_after
        )
    if plan.fault is Fault.SERVER_ERROR:
        message = "The server had an error processing your request (simulated)."
        raise SimulatedError(500, message, headers=retry_after)
    if plan.fault is Fault.TIMEOUT:
        await _hang(plan.timeout_s, is_disconnected)


async def _hang(seconds: float, is_disconnected: Callable[[], Awaitable[bool]]) -> None:
    # Poll for the client going away: a hung handler would otherwise hold server shutdown for
    # the whole timeout after the client has long given up.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        if await is_disconnected():
            return
        await asyncio.sleep(min(_HANG_POLL_S, left))


def _requested_fault(headers: Mapping[str, str]) -> Fault | None:
    raw = headers.get(sim_headers.FAULT)
    if raw is None:
        return None
    try:
        return Fault(raw.strip().lower())
    except ValueError:
        choices = ", ".join(fault.value for fault in Fault)
        message = f"Header {sim_headers.FAULT} must be one of {choices}."
        raise SimulatedError(400, message, param=sim_headers.FAULT) from None
