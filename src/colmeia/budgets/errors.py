"""Budget errors: exhausted is the caller's to fix (402); Redis down fails closed (503)."""

from __future__ import annotations

from typing import ClassVar

from colmeia.errors import ColmeiaError, ServiceUnavailable


class BudgetExhausted(ColmeiaError):
    status_code: ClassVar[int] = 402
    code: ClassVar[str] = "budget_exhausted"


class BudgetUnavailable(ServiceUnavailable):
    """Budgets cannot be checked (Redis unreachable): refuse rather than spend blind."""

    code: ClassVar[str] = "budget_unavailable"
