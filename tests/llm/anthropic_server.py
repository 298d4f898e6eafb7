"""A tiny local server speaking the Anthropic Messages wire format (``POST /v1/messages``).

Enough of the protocol for the real ``anthropic`` client (through ``langchain-anthropic``) to
run against it: JSON answers, the SSE event sequence of a streamed answer, usage, and errors in
Anthropic's envelope, with ``x-test-fail-times`` to fail the first N requests with a 529
("overloaded") so retries can be observed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.fixtures.backends import free_port


def _answer(body: dict[str, Any]) -> str:
    last = body["messages"][-1]["content"]
    text = last if isinstance(last, str) else " ".join(b.get("text", "") for b in last)
    return f"Claude (local) heard: {text}"


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def create_app() -> FastAPI:
    app = FastAPI()
    seen: dict[str, int] = {}

    @app.post("/v1/messages")
    async def messages(request: Request) -> Response:
        body = await request.json()
        fail_times = int(request.headers.get("x-test-fail-times", "0"))
        key = request.headers.get("x-test-key", "")
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= fail_times:
            error = {"type": "overloaded_error", "message": "Overloaded (local)"}
            return JSONResponse({"type": "error", "error": error}, status_code=529)
        text = _answer(body)
        usage = {"input_tokens": 12, "output_tokens": len(text.split())}
        if body.get("stream"):
            return StreamingResponse(_stream(body, text, usage), media_type="text/event-stream")
        return JSONResponse(
            {
                "id": "msg_local",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": usage,
            }
        )

    @app.get("/attempts/{key}")
    async def attempts(key: str) -> JSONResponse:
        return JSONResponse({"attempts": seen.get(key, 0)})

    return app


async def _stream(body: dict[str, Any], text: str, usage: dict[str, int]) -> AsyncIterator[str]:
    message = {
        "id": "msg_local",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
    }
    yield _sse("message_start", {"type": "message_start", "message": message})
    block = {"type": "text", "text": ""}
    yield _sse(
        "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
    )
    for word in text.split(" "):
        delta = {"type": "text_delta", "text": word + " "}
        yield _sse(
            "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
        )
    yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    yield _sse(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": usage,  # cumulative, as the current Messages API reports it
        },
    )
    yield _sse("message_stop", {"type": "message_stop"})


@contextmanager
def running_anthropic_server() -> Iterator[str]:
    """Serve the fake Anthropic API on a free port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the local Anthropic server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
