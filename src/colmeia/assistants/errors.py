"""Assistant errors, with their HTTP meaning."""

from __future__ import annotations

from colmeia.errors import Conflict, Forbidden, NotFound


class AssistantNotFound(NotFound):
    def __init__(self, assistant_id: object) -> None:
        super().__init__(f"assistant {assistant_id} does not exist")


class GraphNotFound(NotFound):
    def __init__(self, graph_id: str) -> None:
        super().__init__(f"graph {graph_id!r} is not registered on this server")


class AssistantExists(Conflict):
    def __init__(self, assistant_id: object) -> None:
        super().__init__(f"assistant {assistant_id} already exists")


class DefaultAssistantReadOnly(Forbidden):
    def __init__(self, assistant_id: object) -> None:
        super().__init__(
            f"assistant {assistant_id} is a graph's default assistant and cannot be changed; "
            "create your own assistant for the graph instead"
        )
