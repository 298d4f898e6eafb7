"""Customer interaction records in MongoDB, read with ``pymongo``'s async client.

The model never sends a filter document: tools take plain strings that are matched as values
(``{"customer": value}``), so no ``$`` operator can be smuggled in, and every read is capped at
``max_rows`` with a server-side time limit.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from colmeia.agents.team.tools.errors import ToolBackendError

COLLECTION = "interactions"

# Any (below): BSON documents.


class RecordsReader:
    def __init__(self, url: str, database: str, *, max_rows: int, timeout_s: float) -> None:
        self._client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            url, serverSelectionTimeoutMS=int(timeout_s * 1000)
        )
        self._collection = self._client[database][COLLECTION]
        self._max_rows = max_rows
        self._timeout_ms = int(timeout_s * 1000)

    async def find(self, field: str, value: str) -> list[dict[str, Any]]:
        """Records whose ``field`` equals ``value`` (or, for a list field, contains it)."""
        try:
            cursor = (
                self._collection.find({field: value}, max_time_ms=self._timeout_ms)
                .sort("at", 1)
                .limit(self._max_rows)
            )
            return [_plain(document) async for document in cursor]
        except PyMongoError as error:
            raise ToolBackendError(f"the records database failed: {error}") from None

    async def aclose(self) -> None:
        await self._client.close()


def _plain(document: dict[str, Any]) -> dict[str, Any]:
    return {key: str(value) if key == "_id" else value for key, value in document.items()}
