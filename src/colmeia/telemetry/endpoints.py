"""``GET /metrics``: Prometheus exposition, optionally behind a bearer token."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from colmeia.errors import Unauthenticated
from colmeia.telemetry.metrics import render


def metrics_router(token: str | None) -> APIRouter:
    """The ``/metrics`` route; with ``token`` set, scrapers must send it as a Bearer token."""
    router = APIRouter(tags=["telemetry"])
    expected = f"Bearer {token}".encode() if token else None

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if expected is not None:
            presented = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(presented, expected):
                raise Unauthenticated("/metrics needs Authorization: Bearer <metrics token>")
        body, content_type = render()
        return Response(body, media_type=content_type)

    return router
