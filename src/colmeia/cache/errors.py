"""Cache errors (see `colmeia.errors` for the hierarchy)."""

from __future__ import annotations

from colmeia.errors import NotFound


class CacheEntryNotFound(NotFound):
    code = "cache_entry_not_found"

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"cache entry {entry_id} does not exist")
