"""Request headers that steer the simulator per request, and their parsing.

A bad value is the caller's mistake, so it is answered with a 400 naming the header rather than
silently ignored: a test that thinks it injected a fault must not pass because of a typo.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from colmeia.simllm.errors import SimulatedError

TTFT_MS = "x-sim-ttft-ms"
TOKEN_MS = "x-sim-token-ms"
FAULT = "x-sim-fault"
FAULT_RETRY_AFTER = "x-sim-fault-retry-after"
TIMEOUT_S = "x-sim-timeout-s"
FAIL_TIMES = "x-sim-fail-times"
FAULT_KEY = "x-sim-fault-key"
ATTEMPT = "x-sim-attempt"
"""Response header: which attempt of a `x-sim-fail-times` sequence this answer is."""


def read_float(headers: Mapping[str, str], name: str, default: float) -> float:
    """The non-negative number in header `name`, or `default` when the header is absent."""
    raw = headers.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise SimulatedError(400, f"Header {name} must be a non-negative number.", param=name)
    return value


def read_int(headers: Mapping[str, str], name: str) -> int | None:
    """The non-negative integer in header `name`, or None when the header is absent."""
    if headers.get(name) is None:
        return None
    value = read_float(headers, name, 0)
    if not value.is_integer():
        raise SimulatedError(400, f"Header {name} must be an integer.", param=name)
    return int(value)
