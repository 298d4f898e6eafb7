"""JSON containment, the Agent Protocol's filter rule for metadata, values and store items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def contains(document: Any, expected: Any) -> bool:
    """True when every key of ``expected`` is in ``document`` with a matching value
    (objects match recursively, like Postgres' ``@>``; other values by equality)."""
    # Any: JSON documents of arbitrary shape.
    if isinstance(expected, Mapping):
        if not isinstance(document, Mapping):
            return False
        return all(k in document and contains(document[k], v) for k, v in expected.items())
    return bool(document == expected)
