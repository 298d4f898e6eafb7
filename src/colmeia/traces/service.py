"""Building a run's span tree from stored spans alone (no dependency on the runs domain)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.errors import NotFound
from colmeia.models.span import Span
from colmeia.traces.repository import SpanRepository
from colmeia.traces.schemas import SpanNode, TraceRead


class TraceNotFound(NotFound):
    def __init__(self, run_id: uuid.UUID) -> None:
        super().__init__(f"no trace recorded for run {run_id}")


def build_tree(spans: Sequence[Span]) -> list[SpanNode]:
    """Nodes linked parent → children; spans whose parent is absent become roots."""
    nodes = {span.span_id: SpanNode.model_validate(span, from_attributes=True) for span in spans}
    roots: list[SpanNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_span_id or "")
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


class TraceService:
    async def for_run(
        self, session: AsyncSession, tenant_id: uuid.UUID, run_id: uuid.UUID
    ) -> TraceRead:
        """Every stored span of the traces that touched ``run_id``, within the tenant."""
        repository = SpanRepository(session)
        trace_ids = await repository.trace_ids_for_run(tenant_id, run_id)
        if not trace_ids:
            raise TraceNotFound(run_id)
        spans = await repository.spans_of_traces(tenant_id, trace_ids)
        return TraceRead(
            run_id=run_id,
            trace_ids=sorted(trace_ids),
            span_count=len(spans),
            roots=build_tree(spans),
        )


trace = TraceService()
