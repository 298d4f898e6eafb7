"""A coroutine run as a background task for as long as a block runs (loops a process keeps)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def in_background(
    work: Callable[[], Coroutine[Any, Any, None]], name: str
) -> AsyncIterator[None]:
    """Run ``work()`` as a task while the block runs; cancel it and wait for it on exit.

    The loops run here catch and log their own failures, so none is raised on exit."""
    task = asyncio.create_task(work(), name=name)
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
