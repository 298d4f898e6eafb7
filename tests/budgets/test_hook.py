"""The budget hook inside the real gateway: the openai client against the simulated LLM,
budgets in Redis, rules in the database. 200 concurrent calls against one budget."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from langchain_core.messages import HumanMessage

from colmeia.budgets.errors import BudgetExhausted
from colmeia.budgets.hook import BudgetHook
from colmeia.budgets.ledger import BudgetLedger
from colmeia.budgets.lines import BudgetLine
from colmeia.budgets.service import budget as budget_service
from colmeia.config import LLMSettings, Settings
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker, unit_of_work
from colmeia.llm.context import CallContext
from colmeia.llm.gateway import Gateway
from colmeia.llm.registry import ModelRegistry
from colmeia.llm.usage import UsageRecord
from colmeia.models import BudgetPeriod, BudgetScope
from colmeia.redis import create_redis
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.people import Person, create_person

CALLS = 200
BUDGET = 2_000  # below the calls' total real usage, so exhaustion never depends on timing
MAX_TOKENS = 150


class Rows:
    def __init__(self) -> None:
        self.rows: list[UsageRecord] = []

    async def record(self, record: UsageRecord) -> None:
        self.rows.append(record)


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_sim_llm() as url:
        yield url


@pytest.fixture
async def sessionmaker(settings: Settings) -> AsyncIterator[Sessionmaker]:
    engine = create_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _budget_for(sessionmaker: Sessionmaker, person: Person, run_id: uuid.UUID) -> BudgetLine:
    async with unit_of_work(sessionmaker) as session:
        await budget_service.create(
            session,
            tenant_id=person.tenant_id,
            scope=BudgetScope.run,
            subject_id=run_id,
            period=BudgetPeriod.total,
            max_tokens=BUDGET,
            max_cost_micros=None,
        )
        [line] = await budget_service.lines_for(
            session, person.tenant_id, [(BudgetScope.run, run_id)]
        )
    return line


async def test_200_concurrent_calls_share_one_budget(
    settings: Settings, redis_url: str, sim_url: str, sessionmaker: Sessionmaker
) -> None:
    person = await asyncio.to_thread(create_person, settings)
    run_id = uuid.uuid4()
    line = await _budget_for(sessionmaker, person, run_id)
    redis = create_redis(redis_url)
    ledger = BudgetLedger(redis)
    rows = Rows()
    llm = LLMSettings(base_url=sim_url, models={"m": {"model": "openai:sim-small"}})
    gateway = Gateway(ModelRegistry(llm), rows, (BudgetHook(ledger, sessionmaker),))
    context = CallContext(tenant_id=person.tenant_id, user_id=person.user_id, run_id=str(run_id))
    model = gateway.chat_model("m", context).bind(max_tokens=MAX_TOKENS)
    try:
        outcomes = await asyncio.gather(
            *(model.ainvoke([HumanMessage(f"question {i} about budgets")]) for i in range(CALLS)),
            return_exceptions=True,
        )
        spent = (await ledger.spent(line)).tokens
    finally:
        await gateway.aclose()
        await redis.aclose()
    refused = [o for o in outcomes if isinstance(o, BudgetExhausted)]
    answered = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(refused) + len(answered) == CALLS, [o for o in outcomes if isinstance(o, Exception)]
    assert refused, "the budget ran out"
    assert answered, "calls ran until it did"
    reported = sum(row.tokens.input + row.tokens.output for row in rows.rows)
    assert len(rows.rows) == len(answered)
    assert spent == reported, "settled spend is the provider's reported usage"
    assert 0 <= spent <= BUDGET, "estimates cap each call, so no overspend at all"
    assert refused[0].status_code == 402
    assert refused[0].to_body()["error"]["code"] == "budget_exhausted"


async def test_no_rules_no_reservation(
    settings: Settings, redis_url: str, sim_url: str, sessionmaker: Sessionmaker
) -> None:
    person = await asyncio.to_thread(create_person, settings)
    redis = create_redis(redis_url)
    llm = LLMSettings(base_url=sim_url, models={"m": {"model": "openai:sim-small"}})
    rows = Rows()
    hook = BudgetHook(BudgetLedger(redis), sessionmaker)
    gateway = Gateway(ModelRegistry(llm), rows, (hook,))
    context = CallContext(tenant_id=person.tenant_id, user_id=person.user_id)
    try:
        reply = await gateway.chat_model("m", context).ainvoke("hello")
    finally:
        await gateway.aclose()
        await redis.aclose()
    assert reply.text
    assert len(rows.rows) == 1
