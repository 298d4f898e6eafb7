"""Budgets: admins set them (``/admin/budgets``); anyone reads those that bind them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response, status

from colmeia.auth.deps import AdminPrincipal, CurrentPrincipal
from colmeia.budgets.deps import LedgerDep
from colmeia.budgets.rule_free import rules_changed
from colmeia.budgets.schemas import BudgetCreate, BudgetRead, BudgetStatus
from colmeia.budgets.service import budget as budget_service
from colmeia.budgets.service import line_of
from colmeia.deps import RedisDep, SessionDep
from colmeia.models import BudgetScope

router = APIRouter(tags=["budgets"])


@router.post("/admin/budgets", response_model=BudgetRead, status_code=status.HTTP_201_CREATED)
async def create(
    body: BudgetCreate, _: AdminPrincipal, session: SessionDep, redis: RedisDep
) -> BudgetRead:
    created = await budget_service.create(
        session,
        tenant_id=body.tenant_id,
        scope=body.scope,
        subject_id=body.subject_id,
        period=body.period,
        max_tokens=body.max_tokens,
        max_cost_micros=body.max_cost_micros,
    )
    await session.commit()
    await rules_changed(redis, created.tenant_id)
    return BudgetRead.model_validate(created)


@router.get("/admin/budgets", response_model=list[BudgetRead])
async def admin_list(
    _: AdminPrincipal,
    session: SessionDep,
    tenant_id: uuid.UUID | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> list[BudgetRead]:
    budgets = await budget_service.search(session, tenant_id=tenant_id, limit=limit, offset=offset)
    return [BudgetRead.model_validate(item) for item in budgets]


@router.delete("/admin/budgets/{budget_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(
    budget_id: uuid.UUID, _: AdminPrincipal, session: SessionDep, redis: RedisDep
) -> Response:
    deleted = await budget_service.delete(session, budget_id)
    await session.commit()
    await rules_changed(redis, deleted.tenant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/budgets", response_model=list[BudgetStatus])
async def mine(
    principal: CurrentPrincipal, session: SessionDep, ledger: LedgerDep
) -> list[BudgetStatus]:
    subjects = [(BudgetScope.user, principal.user_id)]
    if principal.key_id is not None:
        subjects.append((BudgetScope.key, principal.key_id))
    budgets = await budget_service.for_subjects(session, principal.tenant_id, subjects)
    statuses = []
    for item in budgets:
        spent = await ledger.spent(line_of(item))
        statuses.append(
            BudgetStatus(
                budget=BudgetRead.model_validate(item),
                used_tokens=spent.tokens,
                used_cost_micros=spent.cost_micros,
            )
        )
    return statuses
