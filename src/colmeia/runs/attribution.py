"""Who a run acts for: the principal frozen into the run at creation, and what derives from it.

The run row has the tenant; the user and API key that created the run are kept in
``run.kwargs["principal"]`` (no column needed: they are read only by the worker executing the
run), so its model calls are attributed and budgeted to them like the caller's own calls.
"""

from __future__ import annotations

import uuid
from typing import Any

from colmeia.auth.principal import Principal
from colmeia.llm.context import CallContext
from colmeia.models import Run

PRINCIPAL = "principal"


def principal_kwargs(principal: Principal) -> dict[str, dict[str, str | None]]:
    """The run kwargs entry naming the creating user and key."""
    key = str(principal.key_id) if principal.key_id is not None else None
    return {PRINCIPAL: {"user_id": str(principal.user_id), "key_id": key}}


def _id(value: Any) -> uuid.UUID | None:
    # Any: a JSON value read back from the run's kwargs.
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def user_id(run: Run) -> uuid.UUID | None:
    return _id((run.kwargs.get(PRINCIPAL) or {}).get("user_id"))


def call_context(run: Run) -> CallContext:
    """The attribution of every model call the run makes (the node is filled per call)."""
    return CallContext(
        tenant_id=run.tenant_id,
        user_id=user_id(run),
        key_id=_id((run.kwargs.get(PRINCIPAL) or {}).get("key_id")),
        assistant_id=str(run.assistant_id),
        thread_id=str(run.thread_id),
        run_id=str(run.id),
    )
