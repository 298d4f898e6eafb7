"""The budget ledger from app state, for routes and the gateway's request path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from colmeia.budgets.ledger import BudgetLedger


async def get_ledger(request: Request) -> BudgetLedger:
    ledger: BudgetLedger = request.state.budget_ledger
    return ledger


LedgerDep = Annotated[BudgetLedger, Depends(get_ledger)]
