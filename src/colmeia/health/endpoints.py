"""``/healthz`` (the process answers) and ``/readyz`` (every dependency answers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from colmeia.health.schemas import Readiness
from colmeia.health.service import health as health_service

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    report = await health_service.readiness(request.state.readiness)
    status = 200 if report.status == "ready" else 503
    return JSONResponse(report.model_dump(mode="json"), status_code=status)
