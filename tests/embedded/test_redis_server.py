"""The embedded Redis supervisor against real redis-server processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from colmeia.embedded.redis_server import EmbeddedRedis, EmbeddedRedisError, wait_for_redis

# Starts a supervisor, writes a key, reports the server pid, then waits to be SIGKILLed, leaving
# its redis-server child orphaned, exactly as a SIGKILLed `colmeia up` would.
_CRASHING_SUPERVISOR = """
import sys, time
from pathlib import Path
import redis
from colmeia.embedded.redis_server import EmbeddedRedis

server = EmbeddedRedis(Path(sys.argv[1]), load_falkordb=False)
server.start()
with redis.Redis.from_url(server.url) as client:
    client.set("written-before-crash", "yes")
print(server.pid, flush=True)
time.sleep(60)
"""


def _gone(pid: int) -> bool:
    """Whether pid no longer runs; an unreaped zombie (orphans may become one) counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


def _wait_gone(pid: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not _gone(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    with EmbeddedRedis(tmp_path) as started:
        yield started


@pytest.fixture
def client(server: EmbeddedRedis) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(server.url, decode_responses=True) as connected:
        yield connected


@pytest.fixture
def orphan_pid(tmp_path: Path) -> Iterator[int]:
    """A live redis-server for tmp_path whose supervisor was SIGKILLed."""
    with subprocess.Popen(
        [sys.executable, "-c", _CRASHING_SUPERVISOR, str(tmp_path)], stdout=subprocess.PIPE
    ) as supervisor:
        assert supervisor.stdout is not None
        pid = int(supervisor.stdout.readline())
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait()
    assert not _gone(pid), "the orphaned redis-server should outlive its supervisor"
    yield pid
    if not _gone(pid):  # the test failed before cleaning it up
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
class TestEmbeddedRedis:
    def test_start_serves_and_stop_cleans_up(self, tmp_path: Path) -> None:
        server = EmbeddedRedis(tmp_path)
        server.start()
        pid = server.pid
        assert pid is not None
        assert server.url == f"unix://{tmp_path.resolve()}/redis/redis.sock"
        assert server.socket_path.is_socket()
        assert (tmp_path / "redis" / "redis.pid").read_text().strip() == str(pid)
        with redis.Redis.from_url(server.url) as connected:
            assert connected.ping()
            connected.set("greeting", "olá")
            assert connected.get("greeting") == "olá".encode()

        server.stop()

        assert server.pid is None
        assert not server.socket_path.exists()
        assert not (tmp_path / "redis" / "redis.pid").exists()
        assert _gone(pid)

    def test_start_is_idempotent_and_stop_is_safe_twice(self, server: EmbeddedRedis) -> None:
        pid = server.pid
        server.start()
        assert server.pid == pid
        server.stop()
        server.stop()

    def test_start_replaces_a_server_that_died(self, server: EmbeddedRedis) -> None:
        dead_pid = server.pid
        assert dead_pid is not None
        os.kill(dead_pid, signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while server.pid is not None and time.monotonic() < deadline:  # reaped only once all
            time.sleep(0.01)  # of its threads have exited, a little after the leader is a zombie
        server.start()
        assert server.pid not in (None, dead_pid)
        with redis.Redis.from_url(server.url) as connected:
            assert connected.ping()

    def test_server_runs_in_its_own_session(self, server: EmbeddedRedis) -> None:
        # A Ctrl-C at the terminal goes to the foreground process group; the server is not in it.
        assert server.pid is not None
        assert os.getsid(server.pid) == server.pid
        assert os.getpgid(server.pid) != os.getpgid(0)

    def test_falkordb_graph_queries_work(self, client: redis.Redis) -> None:
        reply = client.execute_command("GRAPH.QUERY", "g", "RETURN 1")
        assert reply[1] == [[1]]

    def test_vector_sets_work(self, client: redis.Redis) -> None:
        client.execute_command("VADD", "vectors", "VALUES", 2, 1.0, 0.0, "east")
        client.execute_command("VADD", "vectors", "VALUES", 2, 0.0, 1.0, "north")
        nearest = client.execute_command("VSIM", "vectors", "VALUES", 2, 0.9, 0.1)
        assert nearest[0] == "east"

    def test_data_survives_stop_and_start(self, tmp_path: Path) -> None:
        with EmbeddedRedis(tmp_path) as first, redis.Redis.from_url(first.url) as connected:
            connected.set("durable", "1")
        with EmbeddedRedis(tmp_path) as second, redis.Redis.from_url(second.url) as connected:
            assert connected.get("durable") == b"1"

    def test_orphan_of_killed_supervisor_is_replaced(self, tmp_path: Path, orphan_pid: int) -> None:
        with EmbeddedRedis(tmp_path) as server, redis.Redis.from_url(server.url) as connected:
            assert _wait_gone(orphan_pid)
            assert server.pid != orphan_pid
            assert connected.get("written-before-crash") == b"yes"

    def test_hung_orphan_is_killed(self, tmp_path: Path, orphan_pid: int) -> None:
        os.kill(orphan_pid, signal.SIGSTOP)  # it can no longer answer SHUTDOWN or handle SIGTERM
        with EmbeddedRedis(tmp_path, start_timeout_s=1.0) as server:
            assert _wait_gone(orphan_pid)
            assert server.pid is not None

    def test_pidfile_of_dead_process_is_ignored(self, tmp_path: Path) -> None:
        finished = subprocess.Popen(["true"])
        finished.wait()
        (tmp_path / "redis").mkdir()
        (tmp_path / "redis" / "redis.pid").write_text(f"{finished.pid}\n")
        with EmbeddedRedis(tmp_path) as server:
            assert (tmp_path / "redis" / "redis.pid").read_text().strip() == str(server.pid)

    def test_pidfile_of_unrelated_process_spares_it(self, tmp_path: Path) -> None:
        (tmp_path / "redis").mkdir()
        (tmp_path / "redis" / "redis.pid").write_text(f"{os.getpid()}\n")  # this test process
        with EmbeddedRedis(tmp_path) as server:
            assert server.pid is not None
        assert not _gone(os.getpid())

    def test_leftover_socket_file_is_removed(self, tmp_path: Path) -> None:
        (tmp_path / "redis").mkdir()
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(str(tmp_path / "redis" / "redis.sock"))  # closed: nobody answers
        with EmbeddedRedis(tmp_path) as server, redis.Redis.from_url(server.url) as connected:
            assert connected.ping()

    def test_second_supervisor_on_same_data_dir_is_refused(self, server: EmbeddedRedis) -> None:
        data_dir = server.socket_path.parent.parent
        with pytest.raises(EmbeddedRedisError, match="another live process"):
            EmbeddedRedis(data_dir).start()
        with redis.Redis.from_url(server.url) as connected:
            assert connected.ping()

    def test_long_data_dir_falls_back_to_short_socket_path(self, tmp_path: Path) -> None:
        data_dir = tmp_path / ("deep" * 30)
        with EmbeddedRedis(data_dir, load_falkordb=False) as server:
            assert len(os.fsencode(server.socket_path)) <= 107
            assert (data_dir / "redis" / "appendonlydir").is_dir()
            with redis.Redis.from_url(server.url) as connected:
                assert connected.ping()
        assert not server.socket_path.parent.exists()

    def test_corrupt_aof_fails_with_log_tail(self, tmp_path: Path) -> None:
        aof_dir = tmp_path / "redis" / "appendonlydir"
        aof_dir.mkdir(parents=True)
        (aof_dir / "appendonly.aof.manifest").write_text("this is not a manifest\n")
        server = EmbeddedRedis(tmp_path, load_falkordb=False)
        with pytest.raises(EmbeddedRedisError, match="exited with code") as failure:
            server.start()
        assert "redis.log" in str(failure.value)
        assert "manifest" in str(failure.value).lower()
        assert server.pid is None
        assert not (tmp_path / "redis" / "redis.pid").exists()

    def test_socket_path_taken_by_a_directory_fails_clearly(self, tmp_path: Path) -> None:
        (tmp_path / "redis" / "redis.sock").mkdir(parents=True)
        with pytest.raises(EmbeddedRedisError, match="redis.sock exists and is not a unix socket"):
            EmbeddedRedis(tmp_path).start()


class TestWaitForRedis:
    def test_times_out_when_nothing_listens(self, tmp_path: Path) -> None:
        started = time.monotonic()
        with pytest.raises(EmbeddedRedisError, match="did not answer PING"):
            wait_for_redis(f"unix://{tmp_path}/absent.sock", timeout_s=0.1)
        assert time.monotonic() - started < 1.0

    @pytest.mark.slow
    def test_returns_once_server_answers(self, server: EmbeddedRedis) -> None:
        wait_for_redis(server.url, timeout_s=1.0)
