"""The budget ledger on real Redis: atomic reservations under concurrency, settle, refund,
several lines at once, and failing closed when Redis is down."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from colmeia.budgets.errors import BudgetExhausted, BudgetUnavailable
from colmeia.budgets.ledger import BudgetLedger, Reservation
from colmeia.budgets.lines import BudgetLine, Cost
from colmeia.models import BudgetPeriod
from colmeia.redis import create_redis
from tests.fixtures.backends import free_port

pytestmark = pytest.mark.redis


@pytest.fixture
async def ledger(redis_url: str) -> AsyncIterator[BudgetLedger]:
    redis = create_redis(redis_url)
    yield BudgetLedger(redis)
    await redis.aclose()


def line(
    max_tokens: int | None = None, max_cost: int | None = None, scope: str = "user"
) -> BudgetLine:
    return BudgetLine(scope, str(uuid.uuid4()), BudgetPeriod.day, max_tokens, max_cost)


async def _try(ledger: BudgetLedger, lines: list[BudgetLine], estimate: Cost) -> Reservation | None:
    try:
        return await ledger.reserve(lines, estimate)
    except BudgetExhausted:
        return None


class TestConcurrentRuns:
    async def test_200_concurrent_reservations_never_overspend(self, ledger: BudgetLedger) -> None:
        """200 concurrent runs, 100k-token budget, 1,000-token estimates: the budget admits
        exactly what fits, settles to the reported usage, and never goes negative."""
        budget = line(max_tokens=100_000)
        estimate = Cost(1_000)
        held = await asyncio.gather(*(_try(ledger, [budget], estimate) for _ in range(200)))
        granted = [r for r in held if r is not None]
        assert len(granted) == 100
        assert (await ledger.spent(budget)).tokens == 100_000
        rng = random.Random(7)
        usage = [rng.randint(200, 1_000) for _ in granted]
        await asyncio.gather(
            *(ledger.settle(r, Cost(u)) for r, u in zip(granted, usage, strict=True))
        )
        spent = (await ledger.spent(budget)).tokens
        assert spent == sum(usage), "settled spend equals the provider's reported usage"
        assert spent <= budget.max_tokens  # type: ignore[operator]

    async def test_usage_above_estimates_still_stops_admission(self, ledger: BudgetLedger) -> None:
        """Calls that use more than they reserved are charged in full, and admission stops
        before the budget is passed: the overshoot can only come from calls already in
        flight, each by its own excess over its estimate."""
        budget = line(max_tokens=10_000)
        for _ in range(50):
            reservation = await _try(ledger, [budget], Cost(1_000))
            if reservation is None:
                break
            await ledger.settle(reservation, Cost(1_200))
        spent = (await ledger.spent(budget)).tokens
        assert 10_000 - 1_200 < spent <= 10_000
        with pytest.raises(BudgetExhausted) as raised:
            await ledger.reserve([budget], Cost(1_000))
        assert raised.value.status_code == 402
        assert raised.value.to_body()["error"]["code"] == "budget_exhausted"


class TestSettleAndRefund:
    async def test_refund_releases_and_is_idempotent(self, ledger: BudgetLedger) -> None:
        budget = line(max_tokens=5_000, max_cost=1_000_000)
        reservation = await ledger.reserve([budget], Cost(4_000, 500_000))
        assert await ledger.spent(budget) == Cost(4_000, 500_000)
        assert await ledger.refund(reservation) is True
        assert await ledger.refund(reservation) is False
        assert await ledger.settle(reservation, Cost(9_999)) is False
        assert await ledger.spent(budget) == Cost(0, 0)

    async def test_money_dimension(self, ledger: BudgetLedger) -> None:
        budget = line(max_cost=1_000)
        first = await ledger.reserve([budget], Cost(10_000, 600))
        with pytest.raises(BudgetExhausted) as raised:
            await ledger.reserve([budget], Cost(1, 600))
        assert raised.value.details["dimension"] == "cost_micros"
        await ledger.settle(first, Cost(10_000, 100))
        await ledger.reserve([budget], Cost(1, 600))

    async def test_all_lines_or_none(self, ledger: BudgetLedger) -> None:
        """A run budget that is exhausted leaves the user's budget untouched."""
        user, run = line(max_tokens=100_000), line(max_tokens=500, scope="run")
        with pytest.raises(BudgetExhausted) as raised:
            await ledger.reserve([user, run], Cost(600))
        assert raised.value.details["scope"] == "run"
        assert (await ledger.spent(user)).tokens == 0
        await ledger.reserve([user, run], Cost(400))
        assert (await ledger.spent(user)).tokens == (await ledger.spent(run)).tokens == 400

    async def test_cache_hit_costs_nothing(self, ledger: BudgetLedger) -> None:
        budget = line(max_tokens=1_000)
        reservation = await ledger.reserve([budget], Cost(800))
        await ledger.settle(reservation, Cost(0))
        assert (await ledger.spent(budget)).tokens == 0


class TestRedisDown:
    async def test_budgets_fail_closed(self) -> None:
        redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
        ledger = BudgetLedger(redis)
        try:
            with pytest.raises(BudgetUnavailable) as raised:
                await ledger.reserve([line(max_tokens=10)], Cost(1))
            assert raised.value.status_code == 503
            with pytest.raises(BudgetUnavailable):
                await ledger.spent(line(max_tokens=10))
        finally:
            await redis.aclose()
