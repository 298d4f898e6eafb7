"""HTTP routes of the simulated LLM: OpenAI's chat completions, embeddings and models."""

from __future__ import annotations

import asyncio
import hashlib

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from colmeia.simllm import completion, embeddings, faults, streaming
from colmeia.simllm import headers as sim_headers
from colmeia.simllm.deps import PacingDep, StateDep, require_api_key
from colmeia.simllm.errors import SimulatedError
from colmeia.simllm.schemas import ChatCompletionRequest, EmbeddingRequest, JsonObject

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])
control = APIRouter(prefix="/sim")


class DroppedResponse(JSONResponse):
    """Sends the headers and half of the body, then aborts: the client sees a cut connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        half = self.body[: len(self.body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise faults.SimulatedDrop("response dropped after half of its body")


@router.post("/chat/completions")
async def chat_completions(
    body: ChatCompletionRequest, request: Request, state: StateDep, pacing: PacingDep
) -> Response:
    if body.n > 1:
        raise SimulatedError(
            400, "The simulated model only supports n=1.", param="n", code="unsupported_value"
        )
    plan = await _apply_faults(request, state)
    answer = completion.complete(body)
    headers = _attempt_header(plan)
    drop = plan.fault is faults.Fault.DROP
    if body.stream:
        events = streaming.events(answer, pacing, include_usage=body.include_usage, drop=drop)
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)
    if (delay := pacing.total(answer.completion_tokens)) > 0:
        await asyncio.sleep(delay)
    response_class = DroppedResponse if drop else JSONResponse
    return response_class(completion.to_body(answer), headers=headers)


@router.post("/embeddings")
async def create_embeddings(body: EmbeddingRequest, request: Request, state: StateDep) -> Response:
    plan = await _apply_faults(request, state)
    payload = embeddings.to_body(body, body.dimensions or state.config.embedding_dim)
    response_class = DroppedResponse if plan.fault is faults.Fault.DROP else JSONResponse
    return response_class(payload, headers=_attempt_header(plan))


@router.get("/models")
async def list_models(state: StateDep) -> JSONResponse:
    models: list[JsonObject] = [_model(model_id) for model_id in state.config.models]
    return JSONResponse({"object": "list", "data": list(models)})


@router.get("/models/{model_id:path}")
async def get_model(model_id: str) -> JSONResponse:
    return JSONResponse(_model(model_id))


@control.get("/attempts/{key}", dependencies=[Depends(require_api_key)])
async def attempts(key: str, state: StateDep) -> JSONResponse:
    """How many requests arrived under a `x-sim-fault-key` (counted in this process only), and
    the ``User-Agent`` values they came with."""
    faults = state.faults
    return JSONResponse(
        {"key": key, "attempts": faults.attempts(key), "clients": faults.clients(key)}
    )


@control.get("/health")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _apply_faults(request: Request, state: StateDep) -> faults.FaultPlan:
    body_key = hashlib.sha256(await request.body()).hexdigest()
    plan = faults.plan(request.headers, body_key, state.config, state.faults)
    await faults.apply(plan, request.is_disconnected)
    return plan


def _attempt_header(plan: faults.FaultPlan) -> dict[str, str]:
    return {} if plan.attempt is None else {sim_headers.ATTEMPT: str(plan.attempt)}


def _model(model_id: str) -> JsonObject:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "colmeia-sim"}
