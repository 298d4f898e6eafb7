"""Loading the demo company into the data dir, so the team answers real questions at once.

``colmeia up`` calls `load_demo` on every start; each part is loaded only when missing, so a
restart does nothing (and loads no embedding model) and a half-done load is finished next time:

- SQL: ``company.sql`` into ``<data_dir>/team/company.db`` (written to a temporary file, then
  renamed, so the file is either complete or absent). Skipped when ``sql_url`` points elsewhere.
- Graph: ``graph.json`` into the FalkorDB graph ``graph_name`` when that key does not exist
  (deleted again if loading fails). Skipped when ``neo4j_url`` is set: Colmeia never writes to
  an external graph database.
- Documents: the policy files (the PDF rendered from its text source) copied to
  ``<data_dir>/team/documents`` and ingested into the index; unchanged files are skipped.
- Records: ``records.json`` into MongoDB only through `load_demo_records`, which callers invoke
  for a database of their own (the demo never writes into a configured MongoDB by itself).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from colmeia.agents.team.resources import DEMO_DIR, documents_path, team_dir
from colmeia.agents.team.tools.extract import SUPPORTED_SUFFIXES
from colmeia.config import Settings

# The drivers (falkordb, fpdf2, pymongo) and the document index (text splitter, encoder) are
# imported only when something is loaded: `colmeia up` calls this on every start, and a
# restart, which loads nothing, should not pay seconds of imports.

PDF_SOURCE_SUFFIX = ".pdf.md"


@dataclass
class DemoReport:
    loaded: list[str] = field(default_factory=list)
    """What this call loaded (empty on a restart)."""


def load_demo(settings: Settings, redis_url: str) -> DemoReport:
    """Load what is missing of the demo company; see the module docstring."""
    report = DemoReport()
    team = settings.team
    if not team.load_demo:
        return report
    if team.sql_url is None and load_demo_sql(team_dir(settings.data_dir) / "company.db"):
        report.loaded.append("sql")
    if team.neo4j_url is None and load_demo_graph(redis_url, team.graph_name):
        report.loaded.append("graph")
    if load_demo_documents(settings.data_dir):
        report.loaded.append("documents")
    return report


def load_demo_sql(path: Path) -> bool:
    """Create the demo SQLite database at ``path`` unless it exists; True if it was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        temporary = Path(handle.name)
    try:
        connection = sqlite3.connect(temporary)
        try:
            connection.executescript((DEMO_DIR / "company.sql").read_text())
            connection.commit()
        finally:
            connection.close()
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return True


def load_demo_graph(redis_url: str, graph_name: str) -> bool:
    """Create the demo graph in FalkorDB unless the key exists; True if it was created."""
    pool = redis.ConnectionPool.from_url(redis_url)
    if redis.Redis(connection_pool=pool).exists(graph_name):
        pool.disconnect()
        return False
    from falkordb import FalkorDB  # type: ignore[import-untyped]

    # Not FalkorDB.from_url: it drops a unix socket path (the embedded server's) and dials TCP.
    database = FalkorDB(connection_pool=pool)
    try:
        graph = database.select_graph(graph_name)
        try:
            _create_graph(graph, json.loads((DEMO_DIR / "graph.json").read_text()))
        except BaseException:
            if database.connection.exists(graph_name):
                graph.delete()
            raise
        return True
    finally:
        database.connection.close()


def _create_graph(graph: Any, data: dict[str, Any]) -> None:
    # Any: the falkordb client's Graph, and the JSON document. Labels and relationship types
    # cannot be query parameters, so each is a separate statement over trusted demo names.
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for node in data["nodes"]:
        nodes[_name(node["label"])].append({"id": node["id"], **node["properties"]})
    for label, rows in nodes.items():
        graph.query(f"UNWIND $rows AS row CREATE (n:{label}) SET n = row", {"rows": rows})
    edges: dict[str, list[dict[str, str]]] = defaultdict(list)
    for edge in data["relationships"]:
        edges[_name(edge["type"])].append({"a": edge["from"], "b": edge["to"]})
    for kind, pairs in edges.items():
        graph.query(
            "UNWIND $rows AS row MATCH (a {id: row.a}), (b {id: row.b}) "
            f"CREATE (a)-[:{kind}]->(b)",
            {"rows": pairs},
        )


def _name(value: str) -> str:
    if not value.replace("_", "").isalnum():
        raise ValueError(f"demo graph: {value!r} is not a plain label or relationship type")
    return value


def load_demo_documents(data_dir: Path) -> bool:
    """Copy the policy documents (rendering the PDF) and index them; True if any chunk was
    written. A stamp of the sources' digest makes a restart skip all of it."""
    sources = sorted((DEMO_DIR / "documents").iterdir())
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in sources))
    stamp = team_dir(data_dir) / "documents.stamp"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return False
    from colmeia.agents.team.tools.documents import DocumentIndex

    target = team_dir(data_dir) / "documents"
    target.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for source in sources:
        if source.name.endswith(PDF_SOURCE_SUFFIX):
            pdf = target / source.name.removesuffix(".md")
            if not pdf.exists():
                render_pdf(source.read_text(), pdf)
            files.append(pdf)
        elif source.suffix in SUPPORTED_SUFFIXES:
            copy = target / source.name
            if not copy.exists() or copy.read_bytes() != source.read_bytes():
                shutil.copyfile(source, copy)
            files.append(copy)
    written = DocumentIndex(documents_path(data_dir)).ingest(files)
    stamp.write_text(digest.hexdigest())
    return written > 0


def render_pdf(markdown: str, path: Path) -> None:
    """Render simple Markdown (headings, paragraphs) as a PDF with fpdf2."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for block in markdown.split("\n\n"):
        text = " ".join(line.strip() for line in block.splitlines()).strip()
        if not text:
            continue
        heading = text.startswith("#")
        pdf.set_font("Helvetica", style="B" if heading else "", size=15 if heading else 11)
        pdf.multi_cell(0, 6, text.lstrip("# "))
        pdf.ln(3)
    temporary = path.with_suffix(".tmp")
    pdf.output(str(temporary))
    temporary.replace(path)


def load_demo_records(mongo_url: str, database: str) -> bool:
    """Insert the demo interaction records into ``database`` unless its collection has any."""
    from pymongo import MongoClient

    data = json.loads((DEMO_DIR / "records.json").read_text())
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    with client:
        collection = client[database][data["collection"]]
        if collection.estimated_document_count() > 0:
            return False
        collection.insert_many(data["documents"])
    return True
