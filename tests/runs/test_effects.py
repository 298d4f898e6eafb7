"""`effects.once` on SQLite and PostgreSQL: an effect is performed once per key, whatever the
attempts; a failed action is not recorded; a later attempt takes over an unfinished one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from langchain_core.runnables import RunnableConfig

from colmeia.db import Sessionmaker
from colmeia.runs.effects import (
    EFFECTS_KEY,
    EffectInFlight,
    EffectLedger,
    EffectTakenOver,
    once,
)


class Counter:
    """An action with an observable effect."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, key: str) -> dict[str, object]:
        self.calls.append(key)
        return {"done": len(self.calls)}


def _config(ledger: EffectLedger, run_id: uuid.UUID) -> RunnableConfig:
    return {"configurable": {"run_id": str(run_id), EFFECTS_KEY: ledger}}


class TestOnce:
    async def test_a_retried_attempt_gets_the_recorded_result(
        self, sessionmaker: Sessionmaker
    ) -> None:
        run_id, action = uuid.uuid4(), Counter()
        first = await once(_config(EffectLedger(sessionmaker, run_id, 1), run_id), "call-1", action)
        again = await once(_config(EffectLedger(sessionmaker, run_id, 2), run_id), "call-1", action)
        assert first == again == {"done": 1}
        assert action.calls == [f"{run_id}:call-1"]

    async def test_keys_differ_by_tool_call_and_name(self, sessionmaker: Sessionmaker) -> None:
        run_id, action = uuid.uuid4(), Counter()
        config = _config(EffectLedger(sessionmaker, run_id, 1), run_id)
        await once(config, "call-1", action)
        await once(config, "call-2", action)
        await once(config, "call-2", action, name="receipt")
        assert action.calls == [f"{run_id}:call-1", f"{run_id}:call-2", f"{run_id}:call-2:receipt"]

    async def test_a_failed_action_is_not_recorded(self, sessionmaker: Sessionmaker) -> None:
        run_id, action = uuid.uuid4(), Counter()

        async def broken(key: str) -> None:
            raise ConnectionError("provider down")

        config = _config(EffectLedger(sessionmaker, run_id, 1), run_id)
        with pytest.raises(ConnectionError):
            await once(config, "call-1", broken)
        assert await once(config, "call-1", action) == {"done": 1}

    async def test_a_later_attempt_takes_over_an_unfinished_effect(
        self, sessionmaker: Sessionmaker
    ) -> None:
        run_id, action = uuid.uuid4(), Counter()
        started = asyncio.Event()

        async def hangs(key: str) -> None:  # the worker dies here, never recording
            started.set()
            await asyncio.Event().wait()

        crashed = asyncio.create_task(
            once(_config(EffectLedger(sessionmaker, run_id, 1), run_id), "call-1", hangs)
        )
        await started.wait()
        same_attempt = _config(EffectLedger(sessionmaker, run_id, 1), run_id)
        with pytest.raises(EffectInFlight):
            await once(same_attempt, "call-1", action)
        later = _config(EffectLedger(sessionmaker, run_id, 2), run_id)
        assert await once(later, "call-1", action) == {"done": 1}
        crashed.cancel()
        await asyncio.gather(crashed, return_exceptions=True)
        assert await once(later, "call-1", action) == {"done": 1}  # still recorded

    async def test_a_stale_attempt_finishing_late_records_nothing_and_stops(
        self, sessionmaker: Sessionmaker
    ) -> None:
        """Attempt 1 lost its lease mid-effect and attempt 2 took the effect over: attempt 1's
        late result must not overwrite attempt 2's, and attempt 1 must not carry on."""
        run_id, action = uuid.uuid4(), Counter()
        release = asyncio.Event()
        started = asyncio.Event()

        async def slow(key: str) -> dict[str, object]:
            started.set()
            await release.wait()
            return {"done": "by the stale attempt"}

        stale = asyncio.create_task(
            once(_config(EffectLedger(sessionmaker, run_id, 1), run_id), "call-1", slow)
        )
        await started.wait()
        later = _config(EffectLedger(sessionmaker, run_id, 2), run_id)
        assert await once(later, "call-1", action) == {"done": 1}
        release.set()
        with pytest.raises(EffectTakenOver):
            await stale
        assert await once(later, "call-1", action) == {"done": 1}
        assert len(action.calls) == 1  # the stale attempt's result replaced nothing

    async def test_outside_a_run_it_says_so(self) -> None:
        with pytest.raises(RuntimeError, match="inside a Colmeia run"):
            await once({"configurable": {}}, "call-1", Counter())
