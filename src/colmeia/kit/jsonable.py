"""Turning graph state (LangChain messages, pydantic models, dataclasses, interrupts) into JSON.

The Agent Protocol carries state as plain JSON; messages look like ``model_dump()`` of the
LangChain message (``type``, ``content``, ``id`` …), as LangGraph Server sends them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel


def _object(value: Any) -> Any:
    # Any: graph state may hold values of any type; each branch narrows it.
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if type(value).__name__ == "Interrupt" and hasattr(value, "value"):
        return {"value": jsonable(value.value), "id": getattr(value, "id", None)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (UUID, Enum)):
        return str(value.value if isinstance(value, Enum) else value)
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if hasattr(value, "_asdict"):
        return jsonable(value._asdict())
    return repr(value)


def jsonable(value: Any) -> Any:
    """A JSON-compatible copy of ``value`` (unknown objects become their ``repr``)."""
    # Any: arbitrary graph values in, JSON values out.
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)) and not hasattr(value, "_asdict"):
        return [jsonable(v) for v in value]
    return jsonable(_object(value)) if not isinstance(value, BaseModel) else _object(value)


def dumps(value: Any) -> str:
    """Compact JSON text of ``value`` (see `jsonable`)."""
    # Any: see jsonable.
    return json.dumps(jsonable(value), separators=(",", ":"), ensure_ascii=False)
