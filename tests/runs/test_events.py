"""Run event streams on a real Redis: ordered, resumable by id, ended, expiring."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from colmeia.runs.events import RunEvents, output_key, stream_key


@pytest.fixture
async def events(redis_url: str) -> AsyncIterator[RunEvents]:
    client = Redis.from_url(redis_url)
    yield RunEvents(client, ttl_s=120)
    await client.aclose()


class TestRunEvents:
    async def test_read_resume_and_end(self, events: RunEvents) -> None:
        run_id = uuid.uuid4()
        for index in range(3):
            await events.publish(run_id, "values", {"n": index})
        await events.finish(run_id, {"n": 2}, "success")
        everything = [event async for event in events.read(run_id)]
        assert [e.data for e in everything] == ['{"n":0}', '{"n":1}', '{"n":2}']
        resumed = [event async for event in events.read(run_id, everything[0].id)]
        assert [e.id for e in resumed] == [e.id for e in everything[1:]]
        assert await events.output(run_id) == {"output": {"n": 2}, "status": "success"}
        assert 0 < await events.redis.ttl(stream_key(run_id)) <= 120
        assert 0 < await events.redis.ttl(output_key(run_id)) <= 120

    async def test_a_missing_stream_ends_after_the_idle_limit(self, events: RunEvents) -> None:
        assert [event async for event in events.read(uuid.uuid4(), idle_limit=1)] == []

    async def test_cancel_requests(self, events: RunEvents) -> None:
        run_id, other = uuid.uuid4(), uuid.uuid4()
        assert await events.cancel_requests([run_id, other]) == [None, None]
        await events.request_cancel(run_id, "rollback")
        assert await events.cancel_requests([run_id, other]) == ["rollback", None]
        assert await events.cancel_requests([]) == []

    async def test_a_late_blocking_read_is_asked_again(
        self, events: RunEvents, redis_url: str
    ) -> None:
        """Every XREAD here outlives the client's socket timeout; reading still succeeds."""
        impatient = Redis.from_url(redis_url, socket_timeout=0.05)
        try:
            run_id = uuid.uuid4()
            reader = RunEvents(impatient, ttl_s=120)

            async def publish_later() -> None:
                await asyncio.sleep(0.3)
                await events.publish(run_id, "values", {"n": 1})
                await events.finish(run_id, {"n": 1}, "success")

            publishing = asyncio.create_task(publish_later())
            received = [event.data async for event in reader.read(run_id)]
            await publishing
            assert received == ['{"n":1}']
        finally:
            await impatient.aclose()
