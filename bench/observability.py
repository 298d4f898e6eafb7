"""Request overhead of tracing + logging + metrics: the same route with telemetry on vs off.

Both apps are measured in the same run, interleaved request by request, by calling the ASGI
apps directly (no sockets, so network noise does not hide a sub-millisecond difference):

* **off** — a FastAPI app with one route and nothing else;
* **on** — the same app with Colmeia's telemetry installed as the API installs it: the
  OpenTelemetry server span (FastAPI instrumentation), the request middleware (request id,
  JSON access line, Prometheus HTTP metrics), a tenant id on the span, and the span store
  writing the request's spans to a SQLite database on its background thread.

Target (issue: observability): overhead ≤ 1 ms at p50.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
import uuid
from pathlib import Path

from fastapi import FastAPI
from starlette.types import ASGIApp, Message

from bench.report import summary, write_section
from colmeia import migrations
from colmeia.config import Settings
from colmeia.logging import configure_logging
from colmeia.telemetry.context import annotate
from colmeia.telemetry.setup import configure_telemetry

REQUESTS = 3000
WARMUP = 300
TENANT = uuid.uuid4()


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        annotate(tenant_id=TENANT)
        return {"item_id": item_id}

    return app


async def _call(app: ASGIApp, path: str) -> float:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    started = time.perf_counter()
    await app(scope, receive, send)  # type: ignore[arg-type]
    return (time.perf_counter() - started) * 1000


async def _measure(off: ASGIApp, on: ASGIApp) -> tuple[list[float], list[float]]:
    for i in range(WARMUP):
        await _call(off, f"/items/{i}")
        await _call(on, f"/items/{i}")
    plain: list[float] = []
    traced: list[float] = []
    for i in range(REQUESTS):
        plain.append(await _call(off, f"/items/{i}"))
        traced.append(await _call(on, f"/items/{i}"))
    return plain, traced


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrations.upgrade(url)
        settings = Settings(_env_file=None, data_dir=Path(tmp), database={"url": url})
        configure_logging("INFO", json_output=True, stream=io.StringIO())
        telemetry = configure_telemetry(settings)
        off, on = _app(), _app()
        telemetry.instrument_app(on)
        plain, traced = asyncio.run(_measure(off, on))
        telemetry.flush()
    (off_p50, off_p95), (on_p50, on_p95) = summary(plain), summary(traced)
    overhead = on_p50 - off_p50
    print(f"off  p50 {off_p50:.3f} ms  p95 {off_p95:.3f} ms")
    print(f"on   p50 {on_p50:.3f} ms  p95 {on_p95:.3f} ms")
    print(
        f"overhead p50 {overhead:.3f} ms  p95 {on_p95 - off_p95:.3f} ms  ({on_p50 / off_p50:.1f}×)"
    )
    body = (
        f"One route called {REQUESTS} times per app, interleaved, ASGI in-process (no sockets). "
        "**on** = OTel server span + request middleware (request id, JSON access line, "
        "Prometheus HTTP metrics) + span store writing to SQLite; **off** = the bare route. "
        "Target: overhead ≤ 1 ms p50.\n\n"
        "| app | p50 ms | p95 ms |\n|---|---|---|\n"
        f"| off | {off_p50:.3f} | {off_p95:.3f} |\n"
        f"| on | {on_p50:.3f} | {on_p95:.3f} |\n"
        f"| **overhead** | **{overhead:.3f}** | {on_p95 - off_p95:.3f} |\n"
    )
    write_section("observability", body)


if __name__ == "__main__":
    main()
