"""Side effects that happen once per run, however many attempts the run takes.

A retried run resumes from its last checkpoint, so a tool whose step did not finish runs again.
For a tool that changes the world (sends an e-mail, charges a card, opens a ticket), wrap the
change in `once`: its key is the run id + the tool call id (the same on every attempt, because
the model's message that asked for the call is checkpointed), recorded in ``run_effects`` under
a unique constraint. A repeat returns the recorded result instead of acting again::

    from langchain.tools import ToolRuntime, tool
    from colmeia.runs.effects import once

    @tool
    async def send_invoice(customer: str, runtime: ToolRuntime) -> str:
        \"\"\"E-mail the customer their invoice.\"\"\"

        async def send(key: str) -> str:
            # Pass ``key`` on when the API supports it (e.g. Stripe's Idempotency-Key), which
            # also covers a crash between the call and the record.
            return await mailer.send(customer, idempotency_key=key)

        return await once(runtime.config, runtime.tool_call_id, send)

The result must be JSON-serialisable. An action that raises is not recorded (a retry may
perform it). If a worker dies between performing the action and recording it, the next attempt
performs it again with the same key — pass the key to the remote API to close that gap.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from sqlalchemy.exc import IntegrityError

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.runs.repository import EffectRepository

T = TypeVar("T")
logger = logging.getLogger("colmeia.runs.effects")
EFFECTS_KEY = "__colmeia_effects"
"""Where the executor puts the run's `EffectLedger` in ``config["configurable"]``."""


class EffectInFlight(RuntimeError):
    """The same effect is being performed right now by this attempt (a concurrent call)."""


class EffectTakenOver(RuntimeError):
    """A later attempt took the effect over while this one performed it: this attempt lost its
    run (its lease expired) and must stop; its result is not recorded."""


class EffectLedger:
    """One run attempt's access to the effect records (built by the executor per attempt)."""

    def __init__(self, sessionmaker: Sessionmaker, run_id: Any, attempt: int) -> None:
        # Any: a UUID, kept loose so that the helper has no opinion on id types.
        self.sessionmaker = sessionmaker
        self.run_id = run_id
        self.attempt = attempt

    async def once(self, key: str, action: Callable[[str], Awaitable[T]]) -> T:
        """``action(key)``'s result, performing it only if no attempt recorded it before."""
        recorded, found = await self._claim(key)
        if found:
            return recorded  # type: ignore[no-any-return]  # the JSON the action returned
        try:
            result = await action(key)
        except BaseException:
            async with unit_of_work(self.sessionmaker) as session:
                await EffectRepository(session).abandon(key, self.attempt)
            raise
        async with unit_of_work(self.sessionmaker) as session:
            recorded = await EffectRepository(session).complete(
                key, self.attempt, result, utc_now()
            )
        if not recorded:
            logger.warning(
                "attempt %d of run %s performed effect %r after a later attempt took it over",
                self.attempt,
                self.run_id,
                key,
            )
            raise EffectTakenOver(f"effect {key!r} was taken over by a later attempt")
        return result

    async def _claim(self, key: str) -> tuple[Any, bool]:
        """(recorded result, True) for a finished effect; (None, False) once this attempt owns
        the key."""
        # Any: the recorded JSON.
        try:
            async with unit_of_work(self.sessionmaker) as session:
                await EffectRepository(session).start(key, self.run_id, self.attempt)
            return None, False
        except IntegrityError:
            pass
        async with unit_of_work(self.sessionmaker) as session:
            repository = EffectRepository(session)
            existing = await repository.get(key)
            if existing is not None and existing.completed_at is not None:
                return existing.result, True
            if existing is None or not await repository.take_over(key, self.attempt):
                raise EffectInFlight(f"effect {key!r} is already being performed")
            return None, False


async def once(
    config: RunnableConfig,
    tool_call_id: str,
    action: Callable[[str], Awaitable[T]],
    *,
    name: str = "",
) -> T:
    """Perform ``action(key)`` once for this run and tool call; a repeat (a retried attempt)
    returns the recorded result. ``name`` tells several effects of one tool call apart."""
    configurable = config.get("configurable") or {}
    ledger = configurable.get(EFFECTS_KEY)
    if not isinstance(ledger, EffectLedger):
        raise RuntimeError("effects.once works inside a Colmeia run (its config has no ledger)")
    key = f"{configurable.get('run_id')}:{tool_call_id}"
    return await ledger.once(f"{key}:{name}" if name else key, action)
