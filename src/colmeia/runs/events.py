"""Run events in a Redis Stream per run, so any API replica can stream (and resume) them.

The worker appends ``{event, data}`` entries; the stream's entry ids are the SSE ``id:`` lines,
so a client reconnecting with ``Last-Event-ID`` continues exactly after what it saw. The final
entry is ``end``; the run's output is kept beside the stream for ``wait`` and ``join``. Both
expire after a TTL once the run ends.

Each attempt's start is also announced in a stream per thread (its run id), so a client joined
to the whole thread (`read_thread`) follows runs that start after it joined, in one blocking
read over the announcements and every run it follows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import TimeoutError as RedisTimeout

from colmeia.kit.jsonable import dumps

END = "end"
READ_BLOCK_MS = 1000  # below the clients' 2 s socket timeout
CANCEL_TTL_S = 3600
THREAD_RUNS_KEPT = 1000
"""Announcements kept per thread (trimmed approximately): enough to resume any live join."""


def stream_key(run_id: uuid.UUID) -> str:
    return f"colmeia:run:{run_id}:events"


def thread_runs_key(thread_id: uuid.UUID) -> str:
    return f"colmeia:thread:{thread_id}:runs"


def output_key(run_id: uuid.UUID) -> str:
    return f"colmeia:run:{run_id}:output"


def cancel_key(run_id: uuid.UUID) -> str:
    return f"colmeia:run:{run_id}:cancel"


@dataclass(frozen=True)
class RunEvent:
    id: str
    event: str
    data: str
    """JSON text, sent as the SSE ``data:`` line unchanged."""


class RunEvents:
    def __init__(self, redis: Redis, ttl_s: int, ping_s: float = 15.0) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.ping_s = ping_s
        """Keep-alive interval of the open-ended SSE streams served from these events."""

    async def publish(self, run_id: uuid.UUID, event: str, data: Any) -> None:
        # Any: any JSON-able payload (see kit.jsonable).
        await self.redis.xadd(stream_key(run_id), {"event": event, "data": dumps(data)})

    async def start(self, run_id: uuid.UUID, thread_id: uuid.UUID, attempt: int) -> None:
        """An attempt's first event (``metadata``), announced to the run's thread too: one
        round trip."""
        metadata = dumps({"run_id": str(run_id), "attempt": attempt})
        announcements = thread_runs_key(thread_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(stream_key(run_id), {"event": "metadata", "data": metadata})
            pipe.xadd(
                announcements, {"run": str(run_id)}, maxlen=THREAD_RUNS_KEPT, approximate=True
            )
            pipe.expire(announcements, self.ttl_s)
            await pipe.execute()

    async def finish(self, run_id: uuid.UUID, output: Any, status: str) -> None:
        """Store the output, append ``end`` and start both keys' TTL."""
        # Any: the run's final values (JSON-able).
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(output_key(run_id), dumps({"output": output, "status": status}))
            pipe.xadd(stream_key(run_id), {"event": END, "data": dumps(None)})
            pipe.expire(stream_key(run_id), self.ttl_s)
            pipe.expire(output_key(run_id), self.ttl_s)
            await pipe.execute()

    async def output(self, run_id: uuid.UUID) -> dict[str, Any] | None:
        """``{"output", "status"}`` once the run ended (None before, or after the TTL)."""
        # Any: JSON document.
        raw = await self.redis.get(output_key(run_id))
        if raw is None:
            return None
        loaded: dict[str, Any] = json.loads(raw)
        return loaded

    async def read(
        self, run_id: uuid.UUID, after: str = "0-0", *, idle_limit: int | None = None
    ) -> AsyncIterator[RunEvent]:
        """Events after ``after`` until ``end``; blocks for new ones. With ``idle_limit``, gives
        up after that many empty reads when the stream does not exist (run never started)."""
        key, last, idle = stream_key(run_id), after, 0
        while True:
            try:
                found = await self.redis.xread({key: last}, count=100, block=READ_BLOCK_MS)
            except RedisTimeout:
                # The blocking read's answer came later than the socket timeout (a loaded
                # server or event loop): the client dropped that connection, so ask again from
                # the last id seen rather than fail a wait or join that is still valid.
                found = None
            if not found:
                idle += 1
                if idle_limit is not None and idle >= idle_limit and not await self._exists(key):
                    return
                continue
            idle = 0
            for entry_id, fields in found[0][1]:
                last = entry_id.decode()
                event = RunEvent(last, fields[b"event"].decode(), fields[b"data"].decode())
                if event.event == END:
                    return
                yield event

    async def read_thread(
        self, thread_id: uuid.UUID, follow: dict[uuid.UUID, str], after: str | None = None
    ) -> AsyncIterator[tuple[uuid.UUID, RunEvent]]:
        """Events of the runs in ``follow`` (run → last entry id seen) and of every run
        announced on the thread after ``after`` (default: from now), without end: a run's
        ``end`` is given as a ``metadata`` event ``{"status": "run_done", "run_id": …}``."""
        announcements = thread_runs_key(thread_id)
        last = after if after is not None else await self.last_announcement(thread_id)
        follow, ended = dict(follow), set[uuid.UUID]()
        while True:
            try:
                found = await self.redis.xread(
                    {announcements: last, **{stream_key(r): i for r, i in follow.items()}},
                    count=100,
                    block=READ_BLOCK_MS,
                )
            except RedisTimeout:  # as in `read`: ask again from the last ids seen
                found = None
            for key, entries in found or []:
                if key.decode() == announcements:
                    last = entries[-1][0].decode()
                    for _, fields in entries:
                        announced = uuid.UUID(fields[b"run"].decode())
                        if announced not in ended:
                            follow.setdefault(announced, "0-0")
                    continue
                run_id = uuid.UUID(key.decode().split(":")[2])
                for entry_id, fields in entries:
                    event = RunEvent(entry_id.decode(), fields[b"event"].decode(),
                                     fields[b"data"].decode())  # fmt: skip
                    follow[run_id] = event.id
                    if event.event == END:
                        del follow[run_id]
                        ended.add(run_id)
                        done = dumps({"status": "run_done", "run_id": str(run_id)})
                        yield run_id, RunEvent(event.id, "metadata", done)
                        break
                    yield run_id, event

    async def last_announcement(self, thread_id: uuid.UUID) -> str:
        """The id of the thread's latest run announcement (``0-0`` when none)."""
        latest = await self.redis.xrevrange(thread_runs_key(thread_id), count=1)
        return latest[0][0].decode() if latest else "0-0"

    async def announcement_of(self, thread_id: uuid.UUID, run_id: uuid.UUID) -> str | None:
        """The id of ``run_id``'s first announcement on the thread (None when not kept): a
        resume follows every run announced after it, so a retried run's later attempts never
        hide a run that started in between."""
        entries = await self.redis.xrange(thread_runs_key(thread_id))
        wanted = str(run_id).encode()
        return next((e[0].decode() for e in entries if e[1][b"run"] == wanted), None)

    async def _exists(self, key: str) -> bool:
        return bool(await self.redis.exists(key))

    async def request_cancel(self, run_id: uuid.UUID, action: str) -> None:
        await self.redis.set(cancel_key(run_id), action, ex=CANCEL_TTL_S)

    async def cancel_requests(self, run_ids: list[uuid.UUID]) -> list[str | None]:
        """The cancel action requested for each run (None: none), in one read."""
        if not run_ids:
            return []
        raw = await self.redis.mget([cancel_key(run_id) for run_id in run_ids])
        return [value.decode() if isinstance(value, bytes) else value for value in raw]
