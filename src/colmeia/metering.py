"""The LLM metering stack every composition root builds: usage ledger, budgets, gateway.

The API serves plain model calls through the `Gateway`; a worker accounts the calls of the
graphs it runs with `RunAccounting` callbacks. Both must reserve, settle and record through the
very same hooks and usage sink, so both build them here instead of each wiring its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from colmeia.budgets.hook import BudgetHook
from colmeia.budgets.ledger import BudgetLedger
from colmeia.budgets.rule_free import RuleFreeTenants
from colmeia.config import Settings
from colmeia.db import Sessionmaker
from colmeia.llm.callbacks import RunAccounting
from colmeia.llm.gateway import Gateway
from colmeia.llm.hooks import GatewayHook
from colmeia.usage.ledger import UsageLedger


@dataclass(frozen=True)
class Metering:
    usage: UsageLedger
    budget_ledger: BudgetLedger
    hooks: tuple[GatewayHook, ...]
    """Budget first (DESIGN §1): run around every call, by the gateway and by run callbacks."""
    gateway: Gateway
    run_accounting: RunAccounting
    """Callbacks that meter the calls of models a graph builds itself (``ChatOpenAI()``)."""

    async def aclose(self) -> None:
        """Close provider connections and write the usage rows still buffered (shutdown)."""
        await self.gateway.aclose()
        await self.usage.aclose()


def build_metering(
    settings: Settings,
    sessionmaker: Sessionmaker,
    redis: Redis,
    gateway_hooks: Sequence[GatewayHook] = (),
) -> Metering:
    """The stack for this process; call it on the event loop that will serve the calls.

    ``gateway_hooks`` run after the budget, on gateway calls only (the API's semantic cache:
    run callbacks cannot answer a call instead of the model; graphs reach the cache through
    LangChain's own cache interface instead)."""
    usage = UsageLedger(sessionmaker, settings.llm.usage_flush_interval_s)
    budget_ledger = BudgetLedger(redis)
    budget = BudgetHook(budget_ledger, sessionmaker, rule_free=RuleFreeTenants(redis))
    hooks: tuple[GatewayHook, ...] = (budget,)
    gateway = Gateway.from_settings(settings.llm, sink=usage, hooks=(*hooks, *gateway_hooks))
    accounting = RunAccounting(hooks, usage, settings.llm.prices)
    return Metering(usage, budget_ledger, hooks, gateway, accounting)
