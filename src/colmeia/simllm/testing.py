"""Run the simulated LLM in-process for tests of any suite.

    with running_sim_llm() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="x")

The server is a real uvicorn server on a loopback port, in a background thread with its own event
loop, so clients talk to it over HTTP exactly as they would to a provider.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from colmeia.simllm.config import SimLLMConfig
from colmeia.simllm.server import create_app, quiet_simulated_drops

_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


@contextmanager
def running_sim_llm(config: SimLLMConfig | None = None) -> Iterator[str]:
    """Start the simulator on a free 127.0.0.1 port and yield its base URL (`.../v1`).

    The server is stopped on exit. Its fault counters live in this process, see `faults`.
    """
    quiet_simulated_drops()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound here so that no other process can take the port
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config or SimLLMConfig()),
            log_config=None,  # leave the host process's logging alone
            log_level="warning",
            access_log=False,
            ws="none",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"sim-llm-{port}", daemon=True
    )
    thread.start()
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_answering(base_url, server, thread)
        yield f"{base_url}/v1"
    finally:
        server.should_exit = True
        thread.join(_STOP_TIMEOUT_S)
        sock.close()


def _wait_until_answering(base_url: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the simulated LLM server thread exited during start-up")
        if server.started:
            try:
                httpx.get(f"{base_url}/sim/health", timeout=1.0).raise_for_status()
            except httpx.HTTPError:
                pass
            else:
                return
        time.sleep(0.01)
    raise TimeoutError(f"the simulated LLM did not answer on {base_url} within {_START_TIMEOUT_S}s")
