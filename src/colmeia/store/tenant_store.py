"""One tenant's view of the deployment's LangGraph store.

Every namespace a caller names is stored under the tenant's id as its first label, and that
label is taken off again on the way out. The `/store` API and the graphs of a run both see the
store through this view, so an item a client puts is the item the graph reads (as on LangGraph
Server), and no namespace a graph or a client chooses can reach another tenant's items: the
partition is the server's, not each graph's discipline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)


class TenantStore(BaseStore):
    """``inner`` with every namespace under ``(tenant,)``; see the module docstring."""

    def __init__(self, inner: BaseStore, tenant: str) -> None:
        if not tenant or "." in tenant:
            raise ValueError("a tenant label must be non-empty and must not contain '.'")
        self.inner = inner
        self.tenant = tenant
        self.supports_ttl = inner.supports_ttl
        self.ttl_config = inner.ttl_config

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        results = self.inner.batch([self._in(op) for op in ops])
        return [self._out(op, result) for op, result in zip(ops, results, strict=True)]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        results = await self.inner.abatch([self._in(op) for op in ops])
        return [self._out(op, result) for op, result in zip(ops, results, strict=True)]

    def _in(self, op: Op) -> Op:
        """The operation on the tenant's part of the inner store."""
        root = (self.tenant,)
        if isinstance(op, GetOp | PutOp):
            return op._replace(namespace=root + op.namespace)
        if isinstance(op, SearchOp):
            return op._replace(namespace_prefix=root + op.namespace_prefix)
        conditions = [
            condition._replace(path=root + condition.path)
            for condition in op.match_conditions or ()
            if condition.match_type == "prefix"
        ] or [MatchCondition(match_type="prefix", path=root)]
        suffixes = [c for c in op.match_conditions or () if c.match_type == "suffix"]
        depth = op.max_depth + 1 if op.max_depth is not None else None
        return ListNamespacesOp(tuple(conditions + suffixes), depth, op.limit, op.offset)

    def _out(self, op: Op, result: Result) -> Result:
        """The result with the tenant's label taken off every namespace."""
        if isinstance(op, ListNamespacesOp):
            return [namespace[1:] for namespace in cast(list[tuple[str, ...]], result)]
        if isinstance(result, list):
            return [self._item(item) for item in cast(list[Item], result)]
        return self._item(result) if isinstance(result, Item) else result

    def _item(self, item: Item) -> Item:
        namespace = item.namespace[1:]
        if isinstance(item, SearchItem):
            return SearchItem(
                namespace, item.key, item.value, item.created_at, item.updated_at, item.score
            )
        return Item(
            value=item.value,
            key=item.key,
            namespace=namespace,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
