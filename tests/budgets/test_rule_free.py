"""Tenants without budget rules skip the database read per call, and a new rule still binds
from the next call on every replica (real Redis, real database, real HTTP)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from typing import cast

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.budgets.hook import BudgetHook
from colmeia.budgets.ledger import BudgetLedger
from colmeia.budgets.rule_free import MAX_AGE_S, RuleFreeTenants, rules_changed
from colmeia.budgets.service import budget as budget_service
from colmeia.config import Settings
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker, unit_of_work
from colmeia.llm.context import CallContext
from colmeia.models import BudgetPeriod, BudgetScope, Role
from colmeia.redis import create_redis
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.live import live_api
from tests.fixtures.people import Person, create_person
from tests.openai_compat.conftest import configure


class CountingSessionmaker:
    """The real sessionmaker, counting the sessions (database reads) the hook opens."""

    def __init__(self, inner: Sessionmaker) -> None:
        self.inner = inner
        self.opened = 0

    def __call__(self) -> AsyncSession:
        self.opened += 1
        return self.inner()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def sessionmaker(settings: Settings) -> AsyncIterator[Sessionmaker]:
    engine = create_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _add_rule(sessionmaker: Sessionmaker, person: Person) -> None:
    async with unit_of_work(sessionmaker) as session:
        await budget_service.create(
            session,
            tenant_id=person.tenant_id,
            scope=BudgetScope.user,
            subject_id=person.user_id,
            period=BudgetPeriod.day,
            max_tokens=10,
            max_cost_micros=None,
        )


async def test_a_rule_free_tenant_is_read_once_per_generation(
    settings: Settings, redis_url: str, sessionmaker: Sessionmaker
) -> None:
    person = await asyncio.to_thread(create_person, settings)
    redis = create_redis(redis_url)
    counting = CountingSessionmaker(sessionmaker)
    clock = Clock()
    memory = RuleFreeTenants(redis, clock=clock)
    hook = BudgetHook(BudgetLedger(redis), cast(Sessionmaker, counting), rule_free=memory)
    context = CallContext(tenant_id=person.tenant_id, user_id=person.user_id)
    try:
        assert await hook.lines(context) == []
        assert await hook.lines(context) == []
        assert counting.opened == 1, "the second call knew the tenant has no rule"

        await _add_rule(sessionmaker, person)  # a change nobody announced (a lost bump)...
        assert await hook.lines(context) == []
        clock.now += MAX_AGE_S + 1  # ...binds once the memory is old enough
        assert [line.max_tokens for line in await hook.lines(context)] == [10]
        assert [line.max_tokens for line in await hook.lines(context)] == [10]
        assert counting.opened == 3, "a tenant with rules reads them on every call"
    finally:
        await redis.aclose()


async def test_an_announced_rule_binds_at_the_next_call(
    settings: Settings, redis_url: str, sessionmaker: Sessionmaker
) -> None:
    person = await asyncio.to_thread(create_person, settings)
    redis = create_redis(redis_url)
    hook = BudgetHook(BudgetLedger(redis), sessionmaker, rule_free=RuleFreeTenants(redis))
    context = CallContext(tenant_id=person.tenant_id, user_id=person.user_id)
    try:
        assert await hook.lines(context) == []
        await _add_rule(sessionmaker, person)
        await rules_changed(redis, person.tenant_id)
        assert [line.max_tokens for line in await hook.lines(context)] == [10]
    finally:
        await redis.aclose()


async def test_without_redis_the_database_decides_every_call(
    settings: Settings, redis_url: str, sessionmaker: Sessionmaker
) -> None:
    person = await asyncio.to_thread(create_person, settings)
    unreachable = create_redis("redis://127.0.0.1:9/0")
    counting = CountingSessionmaker(sessionmaker)
    memory = RuleFreeTenants(unreachable)
    hook = BudgetHook(BudgetLedger(unreachable), cast(Sessionmaker, counting), rule_free=memory)
    context = CallContext(tenant_id=person.tenant_id, user_id=person.user_id)
    try:
        assert await hook.lines(context) == []
        assert await hook.lines(context) == []
        await rules_changed(unreachable, person.tenant_id)  # logged, not raised
    finally:
        await unreachable.aclose()
    assert counting.opened == 2


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_sim_llm() as url:
        yield url


def test_a_rule_set_on_one_replica_binds_on_another_at_once(
    settings: Settings, sim_url: str
) -> None:
    configured = configure(settings, sim_url)
    admin, person = create_person(configured, Role.admin), create_person(configured)
    call = {"model": "fast", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 50}
    rule = {
        "tenant_id": str(person.tenant_id),
        "scope": "user",
        "subject_id": str(person.user_id),
        "period": "day",
        "max_tokens": 5,
    }
    with ExitStack() as stack:
        serving = stack.enter_context(live_api(configured))
        admin_replica = stack.enter_context(live_api(configured))
        user = {"Authorization": f"Bearer {person.key}"}
        before = httpx.post(f"{serving}/v1/chat/completions", headers=user, json=call)
        again = httpx.post(f"{serving}/v1/chat/completions", headers=user, json=call)
        created = httpx.post(
            f"{admin_replica}/admin/budgets", headers={"x-api-key": admin.key}, json=rule
        )
        refused = httpx.post(f"{serving}/v1/chat/completions", headers=user, json=call)
        deleted = httpx.delete(
            f"{admin_replica}/admin/budgets/{created.json()['id']}",
            headers={"x-api-key": admin.key},
        )
        after = httpx.post(f"{serving}/v1/chat/completions", headers=user, json=call)
    assert [before.status_code, again.status_code] == [200, 200]
    assert created.status_code == 201
    assert refused.status_code == 402, refused.text
    assert refused.json()["error"]["code"] == "budget_exhausted"
    assert deleted.status_code == 204
    assert after.status_code == 200, after.text


def test_nothing_is_remembered_when_redis_could_not_say(redis_url: str) -> None:
    async def scenario() -> bool:
        redis = create_redis(redis_url)
        try:
            memory = RuleFreeTenants(redis)
            tenant = uuid.uuid4()
            memory.remember(tenant, None, free=True)  # Redis could not say: nothing kept
            return memory.known_free(tenant, await memory.generation(tenant))
        finally:
            await redis.aclose()

    assert asyncio.run(scenario()) is False
