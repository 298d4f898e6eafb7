"""Short full garbage collections in long-running processes (the API and the worker).

A served process keeps a few hundred thousand objects from start-up until it exits: modules,
classes, functions, ORM mappers, compiled graphs. CPython's full (generation 2) collection
traverses every one of them each time it runs, and it runs every few seconds under load.
Measured on this machine: 110–215 ms per full collection in the API and worker processes
(~340k objects), during which the event loop, and so every request and run in flight, stands
still. `gc.freeze` moves the objects alive at that moment to the permanent generation, which
collections skip; whatever is created later is collected as before.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)


@contextmanager
def startup_objects_frozen() -> Iterator[int]:
    """Freeze what start-up left alive for the duration of the block; yields how many objects.

    Unfrozen on exit, so that a process hosting several apps one after another (the tests)
    does not keep the earlier ones' cycles forever.
    """
    gc.collect()  # garbage frozen now would never be freed
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.debug("froze %d start-up objects out of the garbage collector's way", frozen)
    try:
        yield frozen
    finally:
        gc.unfreeze()
