"""The worker's thread pool wakes the consumer's event loop when a task completes.

Without it, a Redis-transport consumer that stopped reading at its prefetch limit sleeps in
``epoll`` until its next timer (up to a second) although a slot is free again."""

from __future__ import annotations

import threading

from kombu.asynchronous import Hub

from colmeia.worker.pool import TaskPool

NEVER_S = 30.0
"""A bound for a wait that must end much sooner; reaching it fails the test, it asserts no
duration."""


def test_a_completed_task_makes_the_loop_readable() -> None:
    hub = Hub()
    pool = TaskPool(limit=2)
    pool.start()
    try:
        pool.register_with_event_loop(hub)
        (wake_fd,) = hub.readers
        release = threading.Event()
        pool.apply_async(release.wait, (NEVER_S,))
        assert hub.poller.poll(0) == []  # nothing finished: nothing to wake for
        release.set()
        events = hub.poller.poll(NEVER_S)
        assert [fd for fd, _ in events] == [wake_fd]
        callback, args = hub.readers[wake_fd]
        callback(*args)  # the hub drains the pipe, and sleeps again until the next completion
        assert hub.poller.poll(0) == []
    finally:
        pool.stop()
        hub.close()
    assert not hub.readers
