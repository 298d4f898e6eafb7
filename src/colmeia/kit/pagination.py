"""Offset pagination as the Agent Protocol does it: ``limit``/``offset`` in, a next cursor out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def page(items: Sequence[T], limit: int, offset: int) -> tuple[list[T], int | None]:
    """The slice for ``limit``/``offset`` and the next offset (None on the last page)."""
    chosen = list(items[offset : offset + limit])
    following = offset + limit
    return chosen, following if following < len(items) else None
