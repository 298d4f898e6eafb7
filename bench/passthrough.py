"""A gateway that does nothing: the request body forwarded to the upstream, its answer sent back.

`bench.gateway` serves it with uvicorn (one process, like the others) to measure the floor of
any HTTP gateway hop on this machine: one more server, one more client call, two more process
wake-ups. Whatever a gateway does (auth, accounting, tracing) costs on top of this.
"""

from __future__ import annotations

import os

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

UPSTREAM = os.environ.get("PASSTHROUGH_UPSTREAM", "http://127.0.0.1:8000/v1")
_client = httpx.AsyncClient(timeout=60)


async def chat_completions(request: Request) -> Response:
    answer = await _client.post(
        f"{UPSTREAM}/chat/completions",
        content=await request.body(),
        headers={"content-type": "application/json"},
    )
    return Response(answer.content, answer.status_code, media_type="application/json")


async def health(_: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/health", health),
    ]
)
