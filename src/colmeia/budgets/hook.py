"""The budget side of the LLM gateway: a `GatewayHook` that reserves before each call,
settles the real usage after it and refunds when it fails.

The lines come from the budget rules of the call's tenant, user, key, thread and run (a
read per call, never a write: the spend itself lives in Redis; skipped for tenants known to
have no rule, see `rule_free`). Cache hits settle at zero.
"""

from __future__ import annotations

import math
import uuid

from colmeia.budgets.ledger import BudgetLedger, Reservation
from colmeia.budgets.lines import BudgetLine, Cost
from colmeia.budgets.rule_free import RuleFreeTenants
from colmeia.budgets.service import budget as budget_service
from colmeia.db import Sessionmaker, unit_of_work
from colmeia.llm.context import CallContext
from colmeia.llm.hooks import CachedResponse, CallOutcome, CallRequest
from colmeia.llm.prices import TokenCounts, cost_nusd, price_for
from colmeia.models import BudgetScope

DEFAULT_OUTPUT_ESTIMATE = 1024
"""Output tokens to hold when a call sets no ``max_tokens``."""


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def subjects_of(context: CallContext) -> list[tuple[BudgetScope, uuid.UUID]]:
    """The budget subjects a call is attributed to (besides its tenant)."""
    pairs = [
        (BudgetScope.user, context.user_id),
        (BudgetScope.key, context.key_id),
        (BudgetScope.thread, _uuid(context.thread_id)),
        (BudgetScope.run, _uuid(context.run_id)),
    ]
    return [(scope, subject) for scope, subject in pairs if subject is not None]


def _micros(nusd: int) -> int:
    return math.ceil(nusd / 1000)


class BudgetHook:
    """Reserve → settle / refund around every model call made through the gateway."""

    def __init__(
        self,
        ledger: BudgetLedger,
        sessionmaker: Sessionmaker,
        *,
        default_output_tokens: int = DEFAULT_OUTPUT_ESTIMATE,
        rule_free: RuleFreeTenants | None = None,
    ) -> None:
        """``rule_free`` spares calls of tenants without rules a database read; without it,
        every call reads its lines."""
        self._ledger = ledger
        self._sessionmaker = sessionmaker
        self._rule_free = rule_free
        self._default_output = default_output_tokens
        self._held: dict[uuid.UUID, Reservation] = {}
        """In-flight calls of this process only: a call starts and ends in one process."""

    async def lines(self, context: CallContext) -> list[BudgetLine]:
        tenant_id = context.tenant_id
        if tenant_id is None:
            return []
        generation = None
        if self._rule_free is not None:
            generation = await self._rule_free.generation(tenant_id)
            if self._rule_free.known_free(tenant_id, generation):
                return []
        async with unit_of_work(self._sessionmaker) as session:
            lines = await budget_service.lines_for(session, tenant_id, subjects_of(context))
            if self._rule_free is not None and not lines:
                free = not await budget_service.tenant_has_rules(session, tenant_id)
                self._rule_free.remember(tenant_id, generation, free=free)
        return lines

    def estimate(self, request: CallRequest) -> Cost:
        """The most this call can spend: its prompt plus its output cap."""
        output = request.max_output_tokens or self._default_output
        tokens = TokenCounts(input=request.estimated_input_tokens, output=output)
        price = price_for(request.model, {})
        return Cost(tokens.input + tokens.output, _micros(cost_nusd(price, tokens)))

    async def before_call(self, request: CallRequest) -> CachedResponse | None:
        """Raise `BudgetExhausted` (402) or `BudgetUnavailable` (503) instead of calling."""
        lines = await self.lines(request.context)
        if lines:
            self._held[request.call_id] = await self._ledger.reserve(lines, self.estimate(request))
        return None

    async def after_call(self, request: CallRequest, outcome: CallOutcome) -> None:
        reservation = self._held.pop(request.call_id, None)
        if reservation is None:
            return
        if outcome.cached:
            actual = Cost(0, 0)
        else:
            tokens = outcome.tokens.input + outcome.tokens.output
            actual = Cost(tokens, _micros(outcome.cost_nusd))
        await self._ledger.settle(reservation, actual)

    async def on_error(self, request: CallRequest, error: BaseException) -> None:
        reservation = self._held.pop(request.call_id, None)
        if reservation is not None:
            await self._ledger.refund(reservation)
