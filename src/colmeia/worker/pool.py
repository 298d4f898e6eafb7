"""Celery's thread pool, waking the consumer's event loop each time a task completes.

Why: with the thread pool, nothing tells the consumer's event loop (kombu's hub) that a task
finished. On the Redis transport the consumer stops reading (no ``BRPOP`` in flight) once
``prefetch`` messages are unacknowledged, and a completion's ``acks_late`` acknowledgement
happens on the pool thread, so the hub sleeps on in ``epoll`` until its next timer, up to a
second, before it asks for more. Measured here: workers ran their 32 slots in bursts (all busy,
then all idle) and did ~19 no-op runs/s with 32 slots, whatever the CPU. The prefork pool has a
result pipe that wakes the hub; this gives the thread pool one: a completion writes one byte to a
pipe the hub watches, and the hub's next tick resumes consuming.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any

from celery.concurrency.thread import TaskPool as ThreadTaskPool


class TaskPool(ThreadTaskPool):
    """The thread pool plus a wake-up pipe; `create_celery` names it in ``worker_pool`` (the
    worker's ``--pool`` option only takes Celery's own aliases)."""

    _hub: Any = None
    _wake_read: int | None = None
    _wake_write: int | None = None

    def register_with_event_loop(self, loop: Any) -> None:
        # Any: kombu's Hub, which celery-types does not declare.
        super().register_with_event_loop(loop)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        loop.add_reader(self._wake_read, self._drain)
        self._hub = loop

    def on_apply(
        self,
        target: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        callback: Any = None,
        accept_callback: Any = None,
        **opts: Any,
    ) -> Any:
        # Any: Celery's own signature (its trace function, callbacks and ApplyResult).
        result = super().on_apply(target, args, kwargs, callback, accept_callback, **opts)
        # Done callbacks run after the target *and* its callbacks (the acknowledgement).
        result.f.add_done_callback(self._wake)
        return result

    def on_stop(self) -> None:
        super().on_stop()
        if self._hub is not None and self._wake_read is not None:
            self._hub.remove_reader(self._wake_read)
        for fd in (self._wake_read, self._wake_write):
            if fd is not None:
                os.close(fd)
        self._wake_read = self._wake_write = None

    def _wake(self, _: Future[Any]) -> None:
        fd = self._wake_write
        if fd is None:  # no event loop (or stopped): nothing sleeps on the pipe
            return
        try:
            os.write(fd, b"\0")
        except OSError:  # full: a wake-up is pending already; closed: the pool is stopping
            pass

    def _drain(self) -> None:
        fd = self._wake_read
        if fd is None:
            return
        try:
            while os.read(fd, 4096):
                pass
        except BlockingIOError:
            pass
