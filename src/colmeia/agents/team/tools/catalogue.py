"""Saved queries: named, described, parameterised read-only questions, offered as tools.

A real model can write SQL or Cypher itself; a catalogue gives every model (and the simulated
one, which picks tools by the words of their names and descriptions) vetted questions whose
values travel only as bind parameters. A catalogue is a JSON file::

    {"queries": [{"name": "orders_for_customer", "description": "…",
                  "parameters": {"customer": "what the value is"}, "statement": "SELECT …"}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field, create_model


class CatalogueError(ValueError):
    """A saved-query file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    statement: str
    parameters: dict[str, str]
    """Parameter name → what the value is (shown to the model)."""

    def arguments_model(self) -> type[BaseModel]:
        """The tool's argument schema: one required, non-empty string per parameter."""
        fields: dict[str, object] = {
            name: (str, Field(min_length=1, max_length=200, description=about))
            for name, about in self.parameters.items()
        }
        model: type[BaseModel] = create_model(  # type: ignore[call-overload]
            _camel(self.name), __doc__=self.description, **fields
        )
        return model


def load_catalogue(path: Path) -> list[SavedQuery]:
    """The saved queries in ``path``; raises `CatalogueError` naming what is wrong."""
    try:
        raw = json.loads(path.read_text())
        entries = raw["queries"]
        queries = [
            SavedQuery(
                name=str(entry["name"]),
                description=str(entry["description"]),
                statement=str(entry["statement"]),
                parameters={str(k): str(v) for k, v in (entry.get("parameters") or {}).items()},
            )
            for entry in entries
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CatalogueError(f"{path}: not a saved-query catalogue ({error!r})") from None
    for query in queries:
        if not query.name.isidentifier():
            raise CatalogueError(f"{path}: query name {query.name!r} is not an identifier")
    return queries


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
