"""The LangChain tools each specialist is given, built over the backends in ``tools/``.

Every tool has a typed argument schema (validated before it runs; a bad call comes back to the
model as an error message) and returns text meant for a model to read and quote.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.prebuilt import InjectedStore
from langgraph.store.base import BaseStore
from pydantic import BaseModel, Field

from colmeia.agents.team.tools import memory
from colmeia.agents.team.tools.catalogue import SavedQuery

if TYPE_CHECKING:  # the backends' drivers load when a backend is first used
    from colmeia.agents.team.tools.cypher import CypherReader
    from colmeia.agents.team.tools.documents import DocumentIndex
    from colmeia.agents.team.tools.records import RecordsReader
    from colmeia.agents.team.tools.sql import SqlReader

# Any (below): bind parameters and result values are whatever the database accepts and returns.
Params = dict[str, str | int | float | bool | None]


class _Sql(BaseModel):
    sql: str = Field(min_length=1, max_length=10_000, description="one SELECT or WITH statement")
    params: Params | None = Field(
        default=None, description="values for :name placeholders; never paste values into sql"
    )


class _Table(BaseModel):
    table: str = Field(min_length=1, max_length=200, description="a name from list_tables")


class _Cypher(BaseModel):
    cypher: str = Field(min_length=1, max_length=10_000, description="one MATCH … RETURN query")
    params: Params | None = Field(default=None, description="values for $name parameters")


class _Search(BaseModel):
    question: str = Field(min_length=1, max_length=2000, description="what to find out, in words")


class _Customer(BaseModel):
    customer: str = Field(min_length=1, max_length=200, description="the customer's name")


class _Tag(BaseModel):
    tag: str = Field(min_length=1, max_length=100, description="a tag such as firmware or refund")


class _Fact(BaseModel):
    fact: str = Field(min_length=1, max_length=2000, description="the fact, in the user's words")


class _Recall(BaseModel):
    question: str = Field(min_length=1, max_length=2000, description="what to recall")


def _tool(
    name: str, description: str, schema: type[BaseModel], run: Callable[..., Awaitable[str]]
) -> BaseTool:
    return StructuredTool.from_function(
        coroutine=run, name=name, description=description, args_schema=schema
    )


def _rows_text(rows: list[dict[str, Any]], cap: int) -> str:
    shown = rows[:cap]
    text = json.dumps(shown, ensure_ascii=False, default=str) if shown else "(no rows)"
    return text + (f"\n(only the first {cap} rows are shown)" if len(rows) > cap else "")


def _saved_tool(
    query: SavedQuery, run: Callable[[str, dict[str, Any]], Awaitable[str]]
) -> BaseTool:
    async def call(**arguments: Any) -> str:
        return await run(query.statement, arguments)

    return _tool(query.name, query.description, query.arguments_model(), call)


def sql_tools(reader: SqlReader, saved: list[SavedQuery]) -> list[BaseTool]:
    async def list_tables() -> str:
        return ", ".join(await reader.tables())

    async def describe_table(table: str) -> str:
        return await reader.describe(table)

    async def run(sql: str, params: Params | None = None) -> str:
        return (await reader.query(sql, params)).as_text()

    return [
        *(_saved_tool(query, run) for query in saved),
        _tool("list_tables", "List the tables of the company database.", _NoArgs, list_tables),
        _tool("describe_table", "Columns and keys of one table.", _Table, describe_table),
        _tool(
            "run_sql",
            "Run one read-only SQL query (SELECT/WITH) on the company database; put values "
            "from the user in params and refer to them as :name.",
            _Sql,
            run,
        ),
    ]


def graph_tools(reader: CypherReader, saved: list[SavedQuery], max_rows: int) -> list[BaseTool]:
    async def run(cypher: str, params: Params | None = None) -> str:
        return _rows_text(await reader.query(cypher, dict(params or {})), max_rows)

    async def schema() -> str:
        labels = await reader.query("CALL db.labels() YIELD label RETURN label", {})
        types = await reader.query(
            "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType", {}
        )
        return (
            f"node labels: {', '.join(str(r['label']) for r in labels)}; relationship types: "
            f"{', '.join(str(r['relationshipType']) for r in types)}"
        )

    return [
        *(_saved_tool(query, run) for query in saved),
        _tool("graph_schema", "Node labels and relationship types of the graph.", _NoArgs, schema),
        _tool(
            "run_cypher",
            "Run one read-only Cypher query (MATCH … RETURN) on the organisation and supplier "
            "graph; put values in params and refer to them as $name.",
            _Cypher,
            run,
        ),
    ]


def document_tools(index: DocumentIndex, top_k: int) -> list[BaseTool]:
    async def search(question: str) -> str:
        passages = await asyncio.to_thread(index.search, question, top_k)
        if not passages:
            return "No documents are indexed."
        return "\n\n".join(f"[{p.citation}] {p.text}" for p in passages)

    async def sources() -> str:
        return ", ".join(await asyncio.to_thread(index.sources)) or "No documents are indexed."

    return [
        _tool(
            "search_documents",
            "Search the company policy documents (refunds, returns, damaged items, shipping and "
            "delivery, warranty, support service levels, data privacy); returns the passages "
            "closest in meaning, cited as [file#chunk].",
            _Search,
            search,
        ),
        _tool("list_documents", "Names of the indexed documents.", _NoArgs, sources),
    ]


def records_tools(reader: RecordsReader, max_rows: int) -> list[BaseTool]:
    async def by_customer(customer: str) -> str:
        return _rows_text(await reader.find("customer", customer), max_rows)

    async def by_tag(tag: str) -> str:
        return _rows_text(await reader.find("tags", tag), max_rows)

    return [
        _tool(
            "customer_interactions",
            "Calls, emails and visits logged with one customer, oldest first.",
            _Customer,
            by_customer,
        ),
        _tool("interactions_by_tag", "Interaction records with a tag.", _Tag, by_tag),
    ]


def memory_tools() -> list[BaseTool]:
    async def save(
        fact: str, config: RunnableConfig, store: Annotated[BaseStore | None, InjectedStore()]
    ) -> str:
        return await memory.remember(store, config, fact)

    async def recall(
        question: str, config: RunnableConfig, store: Annotated[BaseStore | None, InjectedStore()]
    ) -> str:
        facts = await memory.recall(store, config)
        return "\n".join(f"- {fact}" for fact in facts) or "Nothing is remembered yet."

    return [
        StructuredTool.from_function(
            coroutine=save,
            name="save_memory",
            description="Remember a fact about the user for later conversations.",
        ),
        StructuredTool.from_function(
            coroutine=recall,
            name="recall_memories",
            description="Recall the facts kept about the user.",
        ),
    ]


class _NoArgs(BaseModel):
    pass
