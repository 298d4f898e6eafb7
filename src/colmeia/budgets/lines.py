"""What a budget check is about: plain values, so the ledger needs no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from colmeia.models import BudgetPeriod

KEY_PREFIX = "colmeia:budget"
DIRTY_KEY = f"{KEY_PREFIX}:dirty"
RESERVATION_PREFIX = f"{KEY_PREFIX}:res"
EXPIRY_S = {BudgetPeriod.day: 3 * 86400, BudgetPeriod.month: 70 * 86400, BudgetPeriod.total: 0}


@dataclass(frozen=True, slots=True)
class Cost:
    tokens: int
    cost_micros: int = 0
    """Money in millionths of a US dollar."""


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One limit on one subject over one period; None means that dimension is unlimited."""

    scope: str
    subject_id: str
    period: BudgetPeriod
    max_tokens: int | None = None
    max_cost_micros: int | None = None


def bucket(period: BudgetPeriod, now: datetime) -> str:
    """The counter bucket the current moment falls into (UTC calendar day or month)."""
    if period is BudgetPeriod.day:
        return now.strftime("%Y-%m-%d")
    if period is BudgetPeriod.month:
        return now.strftime("%Y-%m")
    return "all"


def bucket_start(period: str, name: str) -> datetime:
    if period == BudgetPeriod.day:
        return datetime.strptime(name, "%Y-%m-%d").replace(tzinfo=UTC)
    if period == BudgetPeriod.month:
        return datetime.strptime(name, "%Y-%m").replace(tzinfo=UTC)
    return datetime(1970, 1, 1, tzinfo=UTC)


def counter_key(line: BudgetLine, now: datetime) -> str:
    name = bucket(line.period, now)
    return f"{KEY_PREFIX}:{line.scope}:{line.subject_id}:{line.period.value}:{name}"


def parse_counter_key(key: str) -> tuple[str, str, str, datetime] | None:
    """(scope, subject id, period, period start) of a counter key; None for anything else."""
    parts = key.removeprefix(f"{KEY_PREFIX}:").split(":")
    if len(parts) != 4 or parts[2] not in BudgetPeriod.__members__:
        return None
    scope, subject, period, name = parts
    try:
        return scope, subject, period, bucket_start(period, name)
    except ValueError:
        return None
