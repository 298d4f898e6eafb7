"""Server-sent events for runs, framed as ``langgraph-sdk`` parses them (``id:`` for resume)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

from colmeia.runs.events import RunEvents

ALWAYS_SENT = {"metadata", "error"}
JOIN_IDLE_READS = 10  # a joined stream that does not exist after ~10 s of empty reads is gone


def _base(event: str) -> str:
    return event.split("|", 1)[0].split("/", 1)[0]


def _wanted(event: str, modes: set[str] | None) -> bool:
    if modes is None or event in ALWAYS_SENT:
        return True
    base = _base(event)
    return base in modes or (base == "messages" and "messages-tuple" in modes)


def frame(event: str, data: str, event_id: str | None = None) -> bytes:
    lines = [f"event: {event}", f"data: {data}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    return ("\n".join(lines) + "\n\n").encode()


async def run_stream(
    events: RunEvents,
    run_id: uuid.UUID,
    *,
    after: str = "0-0",
    modes: set[str] | None = None,
    cancel_on_disconnect: bool = False,
    idle_limit: int | None = None,
) -> AsyncIterator[bytes]:
    """The run's events after ``after`` as SSE frames. Like LangGraph Server, no ``end`` frame
    is sent: the stream closes, and a reconnecting SDK asks the run whether it ended.
    ``idle_limit``: give up after that many empty reads when the stream is gone (a finished
    run past its TTL)."""
    finished = False
    try:
        async for event in events.read(run_id, after, idle_limit=idle_limit):
            if _wanted(event.event, modes):
                yield frame(event.event, event.data, event.id)
        finished = True
    finally:
        if not finished and cancel_on_disconnect:
            await asyncio.shield(events.request_cancel(run_id, "interrupt"))


THREAD_MODES = ("run_modes", "lifecycle", "state_update")
"""What `client.threads.join_stream` may ask for. ``state_update`` is accepted, as LangGraph
Server accepts it, but no event of that name is produced: state changes reach a joined client
as the ``values`` / ``updates`` events of the runs that make them."""


def thread_event_id(run_id: uuid.UUID, entry_id: str) -> str:
    """A thread stream's SSE ``id:``: the run and its stream entry, so a resume knows both."""
    return f"{run_id}:{entry_id}"


async def thread_stream(
    events: RunEvents,
    thread_id: uuid.UUID,
    follow: dict[uuid.UUID, str],
    *,
    after: str | None = None,
    modes: set[str],
) -> AsyncIterator[bytes]:
    """Every event of the thread's runs (`RunEvents.read_thread`) as SSE frames, until the
    client goes away: ``run_modes`` sends them all, ``lifecycle`` only each attempt's start
    and each run's ``run_done`` (both ``metadata``)."""
    everything = "run_modes" in modes
    async for run_id, event in events.read_thread(thread_id, follow, after):
        if everything or ("lifecycle" in modes and event.event == "metadata"):
            yield frame(event.event, event.data, thread_event_id(run_id, event.id))
