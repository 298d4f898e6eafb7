"""How hard the ledger tries: attempts, backoff, time limits and redelivery, as plain values.

Built once by each composition root from the ``runs`` settings, so the executor, the reaper
and the API share one set of numbers without reading settings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from colmeia.config import RunsSettings


@dataclass(frozen=True, slots=True)
class RunPolicy:
    max_attempts: int = 3
    retry_initial_s: float = 1.0
    retry_max_s: float = 60.0
    timeout_s: float = 600.0
    redeliver_after_s: float = 30.0
    reaper_interval_s: float = 5.0

    @classmethod
    def of(cls, runs: RunsSettings) -> RunPolicy:
        return cls(
            max_attempts=runs.max_attempts,
            retry_initial_s=runs.retry_initial_s,
            retry_max_s=runs.retry_max_s,
            timeout_s=runs.timeout_s,
            redeliver_after_s=runs.redeliver_after_s,
            reaper_interval_s=runs.reaper_interval_s,
        )
