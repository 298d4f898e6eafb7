"""LangGraph's own dev server (``langgraph dev``, langgraph-cli[inmem]) as the reference.

It is installed by the suite into its own venv (never into the project's), then serves the same
``project/langgraph.json`` against the same simulated LLM; the shared tests run against it
through the same SDK client, so Colmeia is compared with the reference, not with our reading
of it.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.fixtures.backends import free_port, unavailable

PACKAGES = ["langgraph-cli[inmem]", "langchain-openai", "langchain", "typing_extensions"]
DEFAULT_VENV = Path.home() / ".cache" / "colmeia" / "langgraph-dev-venv"
START_TIMEOUT_S = 90.0


def reference_venv() -> Path:
    """The venv with ``langgraph dev``, created on first use (needs the package index)."""
    venv = Path(os.environ.get("COLMEIA_TEST_LANGGRAPH_DEV_VENV", DEFAULT_VENV))
    binary = venv / "bin" / "langgraph"
    if binary.exists():
        return venv
    uv = os.environ.get("UV", "uv")  # `uv run` exports its own path; uv may not be on PATH
    try:
        subprocess.run([uv, "venv", "-q", str(venv), "--python", "3.11"], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), *PACKAGES],
            check=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError) as error:
        unavailable(f"cannot install langgraph-cli[inmem] into {venv}: {error}")
    return venv


@contextmanager
def langgraph_dev(project: Path, llm_url: str, log: Path) -> Iterator[str]:
    """``langgraph dev`` serving ``project`` on a free port; yields its URL."""
    venv = reference_venv()
    port = free_port()
    env = dict(os.environ, OPENAI_BASE_URL=llm_url, OPENAI_API_KEY="reference")
    env.pop("LANGSMITH_API_KEY", None)
    argv = [str(venv / "bin" / "langgraph"), "dev", "--config", str(project), "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*argv, "--no-browser", "--no-reload"],
            cwd=project.parent,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("langgraph dev exited during start-up")
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("langgraph dev did not start")
