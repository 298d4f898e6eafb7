"""Chat completions through the gateway, answered in OpenAI's JSON and SSE formats.

A raw model is called inline through the gateway (no queue), with the caller's principal as the
usage attribution. ``agent:<id or name>`` models are runs (`agent_chat`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import RunnableBinding

from colmeia.auth.principal import Principal
from colmeia.errors import BadRequest, ColmeiaError
from colmeia.llm.context import CacheControls, CacheReport, CallContext
from colmeia.llm.gateway import Gateway
from colmeia.llm.hooks import CallRequest
from colmeia.openai_compat import convert
from colmeia.openai_compat.errors import error_type
from colmeia.openai_compat.schemas import ChatCompletionRequest


class ChatService:
    def prepare(
        self,
        gateway: Gateway,
        principal: Principal,
        body: ChatCompletionRequest,
        cache: CacheControls | None = None,
    ) -> CallRequest:
        """Validate the request and describe the gateway call it becomes; its context carries
        the caller's cache controls and a `CacheReport` the cache hook fills."""
        if body.n != 1:
            raise BadRequest("only n=1 is supported", details={"param": "n"})
        context = CallContext(
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            key_id=principal.key_id,
            cache=cache or CacheControls(),
            cache_report=CacheReport(),
        )
        messages = convert.to_messages(body.messages)
        params = self._params(gateway, body)
        return gateway.request(
            body.model, messages, params, context, streaming=body.stream, wire=_wire(body)
        )

    async def complete(self, gateway: Gateway, request: CallRequest) -> convert.JsonDict:
        """A ``chat.completion`` object."""
        result = await gateway.generate(request)
        message = result.generations[0].message
        assert isinstance(message, AIMessage)  # the gateway only returns AI messages
        return {
            **convert.envelope("chat.completion", request.model),
            "choices": [
                {
                    "index": 0,
                    "message": convert.message_body(message),
                    "logprobs": None,
                    "finish_reason": convert.finish_reason(message),
                }
            ],
            "usage": convert.usage_of(message),
        }

    async def open_stream(
        self, gateway: Gateway, request: CallRequest, include_usage: bool
    ) -> AsyncIterator[str]:
        """SSE lines; the first chunk is awaited here so that failures before any output are
        an HTTP error rather than a broken 200 stream."""
        chunks = gateway.stream(request)
        first = await anext(chunks)
        return _sse(
            first, chunks, convert.envelope("chat.completion.chunk", request.model), include_usage
        )

    def _params(self, gateway: Gateway, body: ChatCompletionRequest) -> dict[str, object]:
        params: dict[str, object] = {
            name: value
            for name in (
                "temperature",
                "top_p",
                "seed",
                "presence_penalty",
                "frequency_penalty",
                "response_format",
            )
            if (value := getattr(body, name)) is not None
        }
        if body.token_limit is not None:
            params["max_tokens"] = body.token_limit
        if body.stop is not None:
            params["stop"] = [body.stop] if isinstance(body.stop, str) else body.stop
        if body.tools:
            params.update(self._tool_params(gateway, body))
        return params

    def _tool_params(self, gateway: Gateway, body: ChatCompletionRequest) -> dict[str, object]:
        # The provider model formats the tools itself, so OpenAI tools reach Anthropic right.
        model = gateway.registry.chat_model(gateway.registry.resolve(body.model))
        extra: dict[str, bool] = {}
        if body.parallel_tool_calls is not None:
            extra["parallel_tool_calls"] = body.parallel_tool_calls
        try:
            bound = model.bind_tools(body.tools or [], tool_choice=body.tool_choice, **extra)  # type: ignore[arg-type]
        except Exception as error:  # caller-supplied schemas: any failure to format is a 400
            raise BadRequest(f"invalid tools: {error}"[:300], details={"param": "tools"}) from None
        assert isinstance(bound, RunnableBinding)
        return dict(bound.kwargs)


NOT_FORWARDED = frozenset({"model", "stream", "stream_options", "n", "cache"})
"""Request fields the gateway sets itself (``n`` is always 1; ``cache`` is Colmeia's own)."""


def _wire(body: ChatCompletionRequest) -> dict[str, object]:
    """The validated request as the upstream's body: the fields the caller set, as sent."""
    fields = body.model_fields_set - NOT_FORWARDED
    return {name: value for name in fields if (value := getattr(body, name)) is not None}


async def _sse(
    first: ChatGenerationChunk,
    rest: AsyncIterator[ChatGenerationChunk],
    envelope: convert.JsonDict,
    include_usage: bool,
) -> AsyncIterator[str]:
    merged = first.message
    yield _chunk(envelope, first.message, True, include_usage)
    try:
        async for chunk in rest:
            merged = merged + chunk.message
            yield _chunk(envelope, chunk.message, False, include_usage)
    except ColmeiaError as error:  # after the first byte the status is sent: report in-band
        body = {"message": error.message, "type": error_type(error.status_code), "code": error.code}
        yield convert.sse({"error": body})
        return
    final = AIMessage(content="", tool_calls=getattr(merged, "tool_calls", []))
    final.response_metadata = merged.response_metadata
    choice = {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": convert.finish_reason(final),
    }
    yield convert.sse(
        {**envelope, "choices": [choice], **({"usage": None} if include_usage else {})}
    )
    if include_usage:
        usage_source = AIMessage(content="", usage_metadata=getattr(merged, "usage_metadata", None))
        yield convert.sse({**envelope, "choices": [], "usage": convert.usage_of(usage_source)})
    yield "data: [DONE]\n\n"


def _chunk(envelope: convert.JsonDict, message: object, first: bool, include_usage: bool) -> str:
    assert isinstance(message, AIMessageChunk)  # chat models stream AIMessageChunks
    choice = {"index": 0, "delta": convert.chunk_delta(message, first), "logprobs": None}
    choice["finish_reason"] = None
    payload = {**envelope, "choices": [choice]}
    if include_usage:
        payload["usage"] = None
    return convert.sse(payload)


chat = ChatService()
