"""Where the team's data lives, resolved once per process from the settings.

The team's graphs are served from ``langgraph.json`` like any user project, so their module is a
composition root of its own (as LangGraph Server graph modules are): it reads the settings here
and opens the backends lazily — nothing connects until a tool runs, so the API process, which
only describes graphs, never touches the data sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from colmeia.agents.team.tools.catalogue import SavedQuery, load_catalogue
from colmeia.config import Settings, TeamSettings
from colmeia.runtime import resolve_redis_url

if TYPE_CHECKING:
    from colmeia.agents.team.tools.cypher import CypherReader
    from colmeia.agents.team.tools.documents import DocumentIndex
    from colmeia.agents.team.tools.records import RecordsReader
    from colmeia.agents.team.tools.sql import SqlReader

# The backends' drivers (SQLAlchemy async, neo4j, falkordb, pymongo, pypdf, the text splitter,
# the encoder) are imported where each backend is first used, not here: every API process
# imports this module to describe the graphs, and start-up time is a budget.

DEMO_DIR = Path(__file__).parent / "demo"


def team_dir(data_dir: Path) -> Path:
    """The team's files in the data dir: the demo database and the document index."""
    return data_dir.resolve() / "team"


def demo_sql_url(data_dir: Path) -> str:
    return f"sqlite:///{team_dir(data_dir) / 'company.db'}"


def documents_path(data_dir: Path) -> Path:
    return team_dir(data_dir) / "documents.db"


@dataclass
class TeamResources:
    """The backends of one process's team; each opens its connections on first use."""

    team: TeamSettings
    sql_url: str
    redis_url: str
    data_dir: Path
    sql_queries: list[SavedQuery] = field(
        default_factory=lambda: load_catalogue(DEMO_DIR / "sql_queries.json")
    )
    graph_queries: list[SavedQuery] = field(
        default_factory=lambda: load_catalogue(DEMO_DIR / "graph_queries.json")
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> TeamResources:
        return cls(
            team=settings.team,
            sql_url=settings.team.sql_url or demo_sql_url(settings.data_dir),
            redis_url=resolve_redis_url(settings),
            data_dir=settings.data_dir,
        )

    @cached_property
    def sql(self) -> SqlReader:
        from colmeia.agents.team.tools.sql import SqlReader

        return SqlReader(
            self.sql_url, max_rows=self.team.max_rows, timeout_s=self.team.statement_timeout_s
        )

    @cached_property
    def graph(self) -> CypherReader:
        from colmeia.agents.team.tools.cypher import FalkorReader, Neo4jReader

        team = self.team
        if team.neo4j_url:
            password = team.neo4j_password.get_secret_value() if team.neo4j_password else ""
            auth = (team.neo4j_user, password) if team.neo4j_user else None
            return Neo4jReader(
                team.neo4j_url,
                auth,
                team.graph_name,
                max_rows=team.max_rows,
                timeout_s=team.statement_timeout_s,
            )
        return FalkorReader(
            self.redis_url,
            team.graph_name,
            max_rows=team.max_rows,
            timeout_s=team.statement_timeout_s,
        )

    @cached_property
    def documents(self) -> DocumentIndex:
        from colmeia.agents.team.tools.documents import DocumentIndex

        return DocumentIndex(documents_path(self.data_dir))

    @cached_property
    def records(self) -> RecordsReader | None:
        if self.team.mongo_url is None:
            return None
        from colmeia.agents.team.tools.records import RecordsReader

        return RecordsReader(
            self.team.mongo_url.get_secret_value(),
            self.team.mongo_database,
            max_rows=self.team.max_rows,
            timeout_s=self.team.statement_timeout_s,
        )
