"""The graph factories ``langgraph.json`` names: the team and each specialist on its own.

LangGraph Server calls a factory per run with the run's config; the backends behind the tools
are opened once per process (`_resources`), like a connection pool, and hold no per-run or
per-tenant state — the tenant and user reach the tools through the run's config.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel

from colmeia.agents.environment import PLACEHOLDER_KEY
from colmeia.agents.team.graphs import prompts, toolkits
from colmeia.agents.team.graphs.team import Specialist, build_specialist, build_team_graph
from colmeia.agents.team.resources import TeamResources
from colmeia.config import get_settings

# Any (below): LangGraph's compiled-graph type parameters.

SQL_ANALYST = (
    "SQL analyst: answers with read-only SQL from the company database tables of customers, "
    "orders, products, revenue, sales and support tickets (counts, totals, rankings, lists)."
)
GRAPH_ANALYST = (
    "Graph analyst: answers with read-only Cypher from the organisation and supplier graph: "
    "who reports to whom, managers, departments, and which supplier supplies which product."
)
DOCUMENT_RESEARCHER = (
    "Document researcher: answers from the company policy documents (refund, returns, "
    "damaged items, shipping, delivery, warranty, service levels, privacy) with citations."
)
RECORDS_SPECIALIST = (
    "Records specialist: the log of calls, emails and visits with each customer "
    "(interaction history)."
)
MEMORY_SPECIALIST = (
    "Memory specialist: remembers facts the user tells about themselves (preferences, role, "
    "favourite things) and recalls them in later conversations."
)


@cache
def _resources() -> TeamResources:
    return TeamResources.from_settings(get_settings())


def _model() -> BaseChatModel:
    # The API process builds graphs only to describe them and never calls the model, so it
    # has no provider key exported (workers do); a placeholder lets the client be constructed.
    name = get_settings().team.model
    if name.startswith("openai:") and not os.environ.get("OPENAI_API_KEY"):
        return init_chat_model(name, temperature=0, api_key=PLACEHOLDER_KEY)
    return init_chat_model(name, temperature=0)


def specialists(resources: TeamResources, model: BaseChatModel) -> list[Specialist]:
    """The team's members; the records specialist only when a MongoDB is configured."""
    team = resources.team
    members = [
        build_specialist(
            "document_researcher",
            DOCUMENT_RESEARCHER,
            model,
            toolkits.document_tools(resources.documents, team.top_k),
            prompts.DOCUMENT_RESEARCHER,
        ),
        build_specialist(
            "sql_analyst",
            SQL_ANALYST,
            model,
            toolkits.sql_tools(resources.sql, resources.sql_queries),
            prompts.SQL_ANALYST,
        ),
        build_specialist(
            "graph_analyst",
            GRAPH_ANALYST,
            model,
            toolkits.graph_tools(resources.graph, resources.graph_queries, team.max_rows),
            prompts.GRAPH_ANALYST,
        ),
        build_specialist(
            "memory_specialist",
            MEMORY_SPECIALIST,
            model,
            toolkits.memory_tools(),
            prompts.MEMORY_SPECIALIST,
        ),
    ]
    if resources.records is not None:
        members.append(
            build_specialist(
                "records_specialist",
                RECORDS_SPECIALIST,
                model,
                toolkits.records_tools(resources.records, team.max_rows),
                prompts.RECORDS_SPECIALIST,
            )
        )
    return members


def _member(name: str) -> Pregel[Any, Any, Any, Any]:
    found = {m.name: m for m in specialists(_resources(), _model())}
    return found[name].agent


def make_team(config: RunnableConfig) -> Pregel[Any, Any, Any, Any]:
    """The supervisor with every specialist and the writer."""
    graph = build_team_graph(_model(), specialists(_resources(), _model()))
    return graph.compile(name="team")


def make_sql_analyst(config: RunnableConfig) -> Pregel[Any, Any, Any, Any]:
    return _member("sql_analyst")


def make_graph_analyst(config: RunnableConfig) -> Pregel[Any, Any, Any, Any]:
    return _member("graph_analyst")


def make_document_researcher(config: RunnableConfig) -> Pregel[Any, Any, Any, Any]:
    return _member("document_researcher")
