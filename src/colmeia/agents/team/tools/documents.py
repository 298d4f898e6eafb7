"""The document researcher's index: chunks of ingested files with MiniLM vectors, searched by
cosine similarity, every hit cited as ``file#chunk``.

The index is one SQLite file in the data dir (``team/documents.db``): a handful of policy
documents is a few hundred vectors, which an exact numpy scan answers in well under a
millisecond, and the file is shared by the API, every worker and ``colmeia up`` without another
service. Re-ingesting a file replaces its chunks (keyed by file name and content hash), so
loading is idempotent.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from colmeia.agents.team.tools.extract import extract_text
from colmeia.embeddings.minilm import MiniLMEmbedder

CHUNK_CHARS = 600
CHUNK_OVERLAP = 80

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    source TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    digest TEXT NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (source, chunk)
)
"""


@dataclass(frozen=True)
class Passage:
    source: str
    chunk: int
    text: str
    score: float

    @property
    def citation(self) -> str:
        return f"{self.source}#{self.chunk}"


class DocumentIndex:
    """Chunks and vectors in one SQLite file; `search` is safe from many threads.

    The encoder is loaded on first use, so a process that only describes the graph never pays
    for it.
    """

    def __init__(self, path: Path, embedder: Callable[[], MiniLMEmbedder] = MiniLMEmbedder) -> None:
        self._path = path
        self._load_embedder = embedder
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_CHARS, chunk_overlap=CHUNK_OVERLAP
        )

    @cached_property
    def _embedder(self) -> MiniLMEmbedder:
        return self._load_embedder()

    def _connect(self, *, write: bool = False) -> sqlite3.Connection:
        if write:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self._path, timeout=10)
            connection.execute(_SCHEMA)
            return connection
        return sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, timeout=10)

    def ingest(self, paths: Iterable[Path]) -> int:
        """Index each file (replacing an older version of it); returns the chunks written."""
        written = 0
        with closing(self._connect(write=True)) as connection, connection:
            for path in paths:
                written += self._ingest_one(connection, path)
        return written

    def _ingest_one(self, connection: sqlite3.Connection, path: Path) -> int:
        text = extract_text(path)
        digest = hashlib.sha256(text.encode()).hexdigest()
        known = connection.execute(
            "SELECT digest FROM chunks WHERE source = ? LIMIT 1", (path.name,)
        ).fetchone()
        if known is not None and known[0] == digest:
            return 0
        pieces = [piece for piece in self._splitter.split_text(text) if piece.strip()]
        vectors = self._embedder.embed(pieces)
        connection.execute("DELETE FROM chunks WHERE source = ?", (path.name,))
        connection.executemany(
            "INSERT INTO chunks (source, chunk, digest, text, vector) VALUES (?, ?, ?, ?, ?)",
            [
                (path.name, number, digest, piece, vector.astype(np.float32).tobytes())
                for number, (piece, vector) in enumerate(zip(pieces, vectors, strict=True), 1)
            ],
        )
        return len(pieces)

    def sources(self) -> list[str]:
        """The files in the index."""
        if not self._path.exists():
            return []
        with closing(self._connect()) as connection:
            rows = connection.execute("SELECT DISTINCT source FROM chunks ORDER BY source")
            return [str(row[0]) for row in rows]

    def search(self, query: str, k: int) -> list[Passage]:
        """The ``k`` chunks closest in meaning to ``query``, best first."""
        if not self._path.exists():
            return []
        with closing(self._connect()) as connection:
            rows = connection.execute("SELECT source, chunk, text, vector FROM chunks").fetchall()
        if not rows:
            return []
        matrix = np.stack([np.frombuffer(row[3], dtype=np.float32) for row in rows])
        scores = matrix @ self._embedder.embed_one(query)
        best = np.argsort(-scores, kind="stable")[:k]
        return [
            Passage(str(rows[i][0]), int(rows[i][1]), str(rows[i][2]), float(scores[i]))
            for i in best
        ]
