"""Every ORM model, one file per table, imported here so Alembic sees the whole schema."""

from colmeia.models.api_key import APIKey
from colmeia.models.assistant import Assistant, AssistantVersion
from colmeia.models.auth_session import AuthSession
from colmeia.models.base import Base
from colmeia.models.budget import Budget, BudgetPeriod, BudgetScope
from colmeia.models.budget_usage import BudgetUsage
from colmeia.models.cron import Cron
from colmeia.models.llm_call import LLMCall
from colmeia.models.refresh_token import RefreshToken
from colmeia.models.run import Run, RunStatus
from colmeia.models.run_effect import RunEffect
from colmeia.models.span import Span
from colmeia.models.store_item import StoreItem
from colmeia.models.tenant import Tenant
from colmeia.models.thread import Thread, ThreadStatus
from colmeia.models.user import Role, User

__all__ = [
    "APIKey",
    "Assistant",
    "AssistantVersion",
    "AuthSession",
    "Base",
    "Budget",
    "BudgetPeriod",
    "BudgetScope",
    "BudgetUsage",
    "Cron",
    "LLMCall",
    "RefreshToken",
    "Role",
    "Run",
    "RunEffect",
    "RunStatus",
    "Span",
    "StoreItem",
    "Tenant",
    "Thread",
    "ThreadStatus",
    "User",
]
