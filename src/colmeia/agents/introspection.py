"""What clients ask about a graph: its drawing and its JSON schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from colmeia.agents.registry import Graph


def _schema(build: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    # Any: JSON schema documents.
    try:
        return build()
    except Exception:  # a graph whose state cannot be described has no schema, not a 500
        return None


def graph_schemas(graph_id: str, graph: Graph) -> dict[str, Any]:
    """The ``/assistants/{id}/schemas`` document (``None`` where a schema cannot be made)."""
    # Any: JSON schema documents.
    return {
        "graph_id": graph_id,
        "input_schema": _schema(graph.get_input_jsonschema),
        "output_schema": _schema(graph.get_output_jsonschema),
        "state_schema": _schema(graph.get_output_jsonschema),
        "config_schema": _schema(graph.get_config_jsonschema),
        "context_schema": _schema(graph.get_context_jsonschema),
    }


def graph_drawing(graph: Graph, xray: int | bool) -> dict[str, Any]:
    """Nodes and edges, as ``langchain_core``'s graph JSON (what Studio draws)."""
    # Any: the drawing is a free-form JSON document.
    drawing: dict[str, Any] = graph.get_graph(xray=xray).to_json()
    return drawing
