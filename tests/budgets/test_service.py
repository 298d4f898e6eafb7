"""Budget rules in the database, the flush of Redis counters, and the HTTP surface
(admin CRUD, a caller's own budgets, and 402 ``budget_exhausted`` rendering)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from fastapi import Request

from colmeia.app import create_app
from colmeia.budgets.deps import get_ledger
from colmeia.budgets.ledger import BudgetLedger
from colmeia.budgets.lines import BudgetLine, Cost, bucket, bucket_start
from colmeia.budgets.repository import BudgetUsageRepository
from colmeia.budgets.service import budget as budget_service
from colmeia.config import Settings
from colmeia.db import create_engine, make_sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import BudgetPeriod, BudgetScope, Role
from colmeia.redis import create_redis
from tests.fixtures.live import live_api
from tests.fixtures.people import create_person


async def _flush_scenario(settings: Settings, redis_url: str) -> tuple[int, int, int]:
    redis = create_redis(redis_url)
    engine = create_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    subject = uuid.uuid4()
    budget_line = BudgetLine("user", str(subject), BudgetPeriod.day, max_tokens=10_000)
    ledger = BudgetLedger(redis)
    try:
        for usage in (300, 200):
            reservation = await ledger.reserve([budget_line], Cost(1_000, 50))
            await ledger.settle(reservation, Cost(usage, 10))
        written = await budget_service.flush(redis, sessionmaker)
        await ledger.settle(await ledger.reserve([budget_line], Cost(100)), Cost(100))
        again = await budget_service.flush(redis, sessionmaker)
        start = bucket_start("day", bucket(BudgetPeriod.day, utc_now()))
        async with unit_of_work(sessionmaker) as session:
            row = await BudgetUsageRepository(session).get("user", subject, "day", start)
        assert row is not None
        return written + again, row.tokens, row.cost_micros
    finally:
        await redis.aclose()
        await engine.dispose()


class TestFlush:
    def test_counters_reach_the_database(self, settings: Settings, redis_url: str) -> None:
        written, tokens, cost = asyncio.run(_flush_scenario(settings, redis_url))
        assert written >= 2, "the touched counter was written by both flushes"
        assert tokens == 600
        assert cost == 20


def _app_with_probe(settings: Settings) -> object:
    app = create_app(settings)

    @app.post("/probe/spend/{subject}")
    async def spend(subject: str, request: Request) -> dict[str, int]:
        ledger = await get_ledger(request)
        budget_line = BudgetLine("run", subject, BudgetPeriod.total, max_tokens=1_000)
        await ledger.reserve([budget_line], Cost(800))
        return {"ok": 1}

    return app


class TestHttp:
    def test_exhausted_is_402_json(self, settings: Settings) -> None:
        subject = str(uuid.uuid4())
        with live_api(settings, app=_app_with_probe(settings)) as base:
            first = httpx.post(f"{base}/probe/spend/{subject}")
            second = httpx.post(f"{base}/probe/spend/{subject}")
        assert first.status_code == 200
        assert second.status_code == 402
        error = second.json()["error"]
        assert error["code"] == "budget_exhausted"
        assert error["details"]["limit"] == 1_000

    def test_admin_sets_budgets_users_read_theirs(self, settings: Settings) -> None:
        admin, person = create_person(settings, Role.admin), create_person(settings)
        with live_api(settings) as base:
            admin_headers = {"x-api-key": admin.key}
            body = {
                "tenant_id": str(person.tenant_id),
                "scope": "user",
                "subject_id": str(person.user_id),
                "period": "day",
                "max_tokens": 50_000,
            }
            created = httpx.post(f"{base}/admin/budgets", headers=admin_headers, json=body)
            duplicate = httpx.post(f"{base}/admin/budgets", headers=admin_headers, json=body)
            by_user = httpx.post(
                f"{base}/admin/budgets", headers={"x-api-key": person.key}, json=body
            )
            no_limit = httpx.post(
                f"{base}/admin/budgets",
                headers=admin_headers,
                json={**body, "max_tokens": None, "period": "month"},
            )
            mine = httpx.get(f"{base}/budgets", headers={"x-api-key": person.key})
            theirs = httpx.get(f"{base}/budgets", headers={"x-api-key": admin.key})
            deleted = httpx.delete(
                f"{base}/admin/budgets/{created.json()['id']}", headers=admin_headers
            )
            after = httpx.get(f"{base}/budgets", headers={"x-api-key": person.key})
        assert created.status_code == 201
        assert duplicate.status_code == 409
        assert by_user.status_code == 403
        assert no_limit.status_code == 422
        assert [s["budget"]["max_tokens"] for s in mine.json()] == [50_000]
        assert mine.json()[0]["used_tokens"] == 0
        assert theirs.json() == [], "another tenant's budgets are not visible"
        assert deleted.status_code == 204
        assert after.json() == []


@pytest.mark.parametrize("scope", list(BudgetScope))
async def test_lines_for_picks_the_subjects_budgets(settings: Settings, scope: BudgetScope) -> None:
    engine = create_engine(settings.database_url)
    person = await asyncio.to_thread(create_person, settings)
    subject = person.tenant_id if scope is BudgetScope.tenant else uuid.uuid4()
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            await budget_service.create(
                session,
                tenant_id=person.tenant_id,
                scope=scope,
                subject_id=subject,
                period=BudgetPeriod.month,
                max_tokens=10,
                max_cost_micros=None,
            )
            lines = await budget_service.lines_for(
                session,
                person.tenant_id,
                [(scope, subject)] if scope is not BudgetScope.tenant else [],
            )
            elsewhere = await budget_service.lines_for(session, uuid.uuid4(), [(scope, subject)])
    finally:
        await engine.dispose()
    assert [(line.scope, line.subject_id, line.max_tokens) for line in lines] == [
        (scope.value, str(subject), 10)
    ]
    assert elsewhere == [], "another tenant's id never picks up these budgets"
