"""LangChain calls the tracing handler on the event loop, not through a thread per event.

In a fresh interpreter configured as a Colmeia process is, an async LangChain runnable runs with
a span processor noting the thread each span starts on: the runnable's span starts on the loop's
own thread (a handler without ``run_inline`` would start it on a default-executor thread).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import asyncio, json, threading
from langchain_core.runnables import RunnableLambda
from opentelemetry.sdk.trace import SpanProcessor
from colmeia.config import Settings
from colmeia.telemetry.setup import configure_telemetry

class Threads(SpanProcessor):
    def __init__(self):
        self.started = {}
    def on_start(self, span, parent_context=None):
        self.started[span.name] = threading.get_ident()

telemetry = configure_telemetry(Settings(_env_file=None), store_spans=False)
threads = Threads()
telemetry.pipeline.provider.add_span_processor(threads)

async def main():
    async def double(x: int) -> int:
        return 2 * x
    assert await RunnableLambda(double, name="double").ainvoke(21) == 42
    return threading.get_ident()

loop_thread = asyncio.run(main())
print(json.dumps({"loop": loop_thread, "double": threads.started.get("double")}))
"""


def test_the_tracer_runs_on_the_event_loop(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLMEIA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["double"] is not None, "the runnable was not traced"
    assert seen["double"] == seen["loop"]
