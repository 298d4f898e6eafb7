"""``/v1/chat/completions`` and ``/v1/models`` for the ``openai`` SDK, over the gateway."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from colmeia.auth.deps import CurrentPrincipal
from colmeia.auth.principal import Principal
from colmeia.cache.policy import CONTROL_HEADER, merge, parse_body, parse_headers
from colmeia.deps import SessionDep
from colmeia.llm.errors import ModelNotFound
from colmeia.llm.gateway import Gateway
from colmeia.llm.hooks import CallRequest
from colmeia.openai_compat.agent_chat import AGENT_PREFIX, THREAD_HEADER, RunTransport, agent_chat
from colmeia.openai_compat.errors import OpenAIRoute
from colmeia.openai_compat.schemas import ChatCompletionRequest
from colmeia.openai_compat.service import chat

router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.state.gateway
    return gateway


@router.post("/chat/completions")
async def chat_completions(
    body: ChatCompletionRequest, principal: CurrentPrincipal, request: Request
) -> Response:
    if body.model.startswith(AGENT_PREFIX):
        return await _agent_completion(body, principal, request)
    gateway = _gateway(request)
    controls = merge(parse_headers(request.headers), parse_body({"cache": body.cache}))
    call = chat.prepare(gateway, principal, body, controls)
    if body.stream:
        events = await chat.open_stream(gateway, call, body.include_usage)
        headers = {"cache-control": "no-cache", **_cache_headers(call)}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)
    completion = await chat.complete(gateway, call)
    return JSONResponse(completion, headers=_cache_headers(call))


async def _agent_completion(
    body: ChatCompletionRequest, principal: Principal, request: Request
) -> Response:
    """An ``agent:…`` model: a run of the assistant's graph (see `agent_chat`)."""
    state = request.state
    transport = RunTransport(
        sessionmaker=state.sessionmaker,
        graph_ids=set(state.graphs),
        events=state.run_events,
        queue=state.job_queue,
        pepper=state.key_pepper,
    )
    started = await agent_chat.start(
        transport, principal, body, request.headers.get(THREAD_HEADER), stream=body.stream
    )
    headers = {"x-colmeia-run-id": str(started.run.id)}
    if not started.run.kwargs.get("temporary"):  # a stateless run's thread is deleted after it
        headers[THREAD_HEADER] = str(started.run.thread_id)
    if body.stream:
        events = agent_chat.stream(transport.events, started, body.include_usage)
        headers["cache-control"] = "no-cache"
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)
    completion = await agent_chat.complete(transport.events, started)
    return JSONResponse(completion, headers=headers)


def _cache_headers(call: CallRequest) -> dict[str, str]:
    """What the cache did: ``x-colmeia-cache: hit; tier=…; score=…`` (or ``miss``,
    ``bypass; reason=…``) and the entry served or stored, for a wrong-answer report."""
    report = call.context.cache_report
    if report is None:
        return {}
    headers = {CONTROL_HEADER: report.header()}
    if report.entry_id is not None:
        headers[f"{CONTROL_HEADER}-entry"] = report.entry_id
    return headers


@router.get("/models")
async def list_models(
    principal: CurrentPrincipal, request: Request, session: SessionDep
) -> JSONResponse:
    names = _gateway(request).registry.listed() + await agent_chat.names(session, principal)
    return JSONResponse({"object": "list", "data": [_model(name) for name in names]})


@router.get("/models/{model_id:path}")
async def get_model(
    model_id: str, principal: CurrentPrincipal, request: Request, session: SessionDep
) -> JSONResponse:
    if model_id.startswith(AGENT_PREFIX):
        await agent_chat.resolve(session, principal, model_id.removeprefix(AGENT_PREFIX))
    elif model_id not in _gateway(request).registry.listed():
        raise ModelNotFound(model_id)
    return JSONResponse(_model(model_id))


def _model(name: str) -> dict[str, object]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "colmeia"}
