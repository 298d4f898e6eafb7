"""Pure ASGI middleware that puts the request's rate-limit decision on its response."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from colmeia.limits.deps import STATE_KEY
from colmeia.limits.service import Decision


class RateLimitHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                decision = state.get(STATE_KEY)
                if isinstance(decision, Decision):
                    message["headers"] = [*message.get("headers", []), *decision.headers()]
            await send(message)

        await self.app(scope, receive, send_with_headers)
