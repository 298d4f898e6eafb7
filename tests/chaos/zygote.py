"""A pre-loaded parent that forks ``colmeia worker`` processes on request.

Starting a worker from scratch costs ~10 s of CPU here (importing LangChain, LangGraph,
OpenTelemetry, SQLAlchemy …), so "SIGKILL a worker every 2 s and restart it" would measure
the interpreter's import time, not recovery. Like ``gunicorn --preload``, this process imports
everything once and forks each worker from that state: every child is a real, separate worker
process (its own pid, connections, event loop and Celery consumer, running the same
``colmeia worker`` entry point), started in a fraction of a second.

Protocol on stdin/stdout, one line each: ``spawn <log path> <concurrency>`` → ``<pid>``.
Children are reaped automatically; a killed one simply disappears. Nothing here starts a
thread or opens a connection before forking, so the children inherit no shared state.
"""

from __future__ import annotations

import os
import signal
import sys


def _preload() -> None:
    """Import what a worker and the chaos graph import, so forks start warm."""
    import importlib

    for module in (
        "colmeia.cli",
        "colmeia.runs.tasks",
        "colmeia.worker.app",
        "colmeia.worker.tasks",
        "langchain_openai",
        "langgraph.checkpoint.postgres.aio",
        "langgraph.prebuilt",
    ):
        importlib.import_module(module)


def _worker(log: str, concurrency: str) -> None:
    """In the forked child: become ``colmeia worker`` with its output in ``log``."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.argv = ["colmeia", "worker", f"--concurrency={concurrency}"]
    from colmeia.cli import main

    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _answer(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    _answer("ready")
    for line in sys.stdin:
        command, log, concurrency = line.split()
        assert command == "spawn", line
        pid = os.fork()
        if pid == 0:
            _worker(log, concurrency)
        _answer(str(pid))


if __name__ == "__main__":
    main()
