"""Telemetry in Celery worker processes: set up when the worker starts, flushed when it stops.

``worker_init`` fires in the worker's main process before the pool starts (the thread pool
runs tasks there); ``worker_process_init`` fires in each child of a prefork pool, which must
set up its own exporters after the fork.
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_init, worker_process_init, worker_shutdown

from colmeia.config import Settings
from colmeia.telemetry.setup import Telemetry, configure_telemetry

_configured: list[Telemetry] = []


def install_worker_hooks(settings: Settings) -> None:
    """Connect the start/stop hooks for a worker built from ``settings`` (idempotent)."""

    def start(**_: Any) -> None:
        # Any: Celery signal keyword arguments are untyped.
        _configured[:] = [configure_telemetry(settings)]

    def stop(**_: Any) -> None:
        # Any: Celery signal keyword arguments are untyped.
        for telemetry in _configured:
            telemetry.flush()

    worker_init.connect(start, weak=False, dispatch_uid="colmeia.telemetry.worker_init")
    worker_process_init.connect(start, weak=False, dispatch_uid="colmeia.telemetry.process_init")
    worker_shutdown.connect(stop, weak=False, dispatch_uid="colmeia.telemetry.worker_shutdown")
