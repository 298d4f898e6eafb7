"""The gateway: every model call goes hooks → provider (retries, fallback) → usage → hooks.

One `Gateway` per process, built in the composition root. `chat_model()` hands out LangChain
chat models (`GatewayChatModel`) that any graph can use unchanged; the OpenAI-compatible
endpoint calls `generate` / `stream` directly. Usage is recorded once per successful logical
call — a call retried three times and answered by a fallback is one row, naming the model that
answered and the attempts it took.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from colmeia.config import LLMSettings
from colmeia.llm import hooks as hook_chain
from colmeia.llm.context import CallContext
from colmeia.llm.errors import UpstreamRateLimited, UpstreamTimeout
from colmeia.llm.hooks import CachedResponse, CallOutcome, CallRequest, GatewayHook
from colmeia.llm.metered import metered_call, usage_record
from colmeia.llm.passthrough import OpenAIPassthrough, serves
from colmeia.llm.prices import TokenCounts, cost_nusd
from colmeia.llm.registry import ModelRegistry, ModelSpec
from colmeia.llm.retrying import Exhausted, RetryPolicy
from colmeia.llm.tokens import estimate_messages, estimate_text
from colmeia.llm.transient import classify, to_gateway_error
from colmeia.llm.usage import UsageSink, reported_tokens
from colmeia.telemetry.genai import LLMCall, record_llm_call

if TYPE_CHECKING:
    from colmeia.llm.chat_model import GatewayChatModel

logger = logging.getLogger("colmeia.llm")
T = TypeVar("T")


class Gateway:
    def __init__(
        self,
        registry: ModelRegistry,
        sink: UsageSink | None = None,
        hooks: Sequence[GatewayHook] = (),
        retry: RetryPolicy | None = None,
    ) -> None:
        self.registry = registry
        self.sink = sink
        self.hooks = tuple(hooks)
        self.retry = retry or RetryPolicy(max_wait_s=registry.settings.retry_max_wait_s)
        self.passthrough = OpenAIPassthrough()
        self.loop: asyncio.AbstractEventLoop | None = _running_loop()
        """The loop the gateway serves on, so sync callers in other threads can reach it
        (provider clients and hooks hold loop-bound connections)."""

    def serving_loop(self) -> asyncio.AbstractEventLoop:
        """The loop sync callers must use: the serving loop, or one the gateway starts in a
        daemon thread for a process that has none (a plain script)."""
        if self.loop is None or not self.loop.is_running():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="colmeia-gateway", daemon=True).start()
            self.loop = loop
        return self.loop

    @classmethod
    def from_settings(
        cls, settings: LLMSettings, sink: UsageSink | None = None, hooks: Sequence[GatewayHook] = ()
    ) -> Gateway:
        return cls(ModelRegistry(settings), sink, hooks)

    async def aclose(self) -> None:
        """Release provider connections (the composition root's shutdown)."""
        await self.registry.aclose()
        await self.passthrough.aclose()

    def chat_model(
        self, name: str | None = None, context: CallContext | None = None
    ) -> GatewayChatModel:
        """A LangChain chat model for ``name`` (default model when None) that calls through here.

        Raises `ModelNotFound` now, rather than at the first call, for an unknown name.
        """
        from colmeia.llm.chat_model import GatewayChatModel

        spec = self.registry.resolve(name)
        return GatewayChatModel(
            gateway=self, model_name=spec.name, context=context or CallContext()
        )

    def request(
        self,
        name: str | None,
        messages: Sequence[BaseMessage],
        params: Mapping[str, object],
        context: CallContext,
        *,
        streaming: bool = False,
        wire: Mapping[str, object] | None = None,
    ) -> CallRequest:
        """Describe one call for the hooks (an offline estimate of its prompt included).

        ``wire``: the same call as an OpenAI request body, when the caller sent one; models
        of OpenAI-compatible providers are then called with it directly (`passthrough`)."""
        limit = params.get("max_completion_tokens") or params.get("max_tokens")
        return CallRequest(
            call_id=uuid.uuid4(),
            context=context,
            model=self.registry.resolve(name).name,
            messages=list(messages),
            params=dict(params),
            estimated_input_tokens=estimate_messages(messages, params.get("tools")),
            max_output_tokens=limit if isinstance(limit, int) else None,
            streaming=streaming,
            wire=wire,
        )

    async def generate(self, request: CallRequest) -> ChatResult:
        """One non-streamed call with hooks, retries, fallback and usage recording."""
        self.loop = self.loop or asyncio.get_running_loop()
        started = time.perf_counter()
        ran, cached = await self._before(request)
        try:
            if cached is not None:
                outcome = self._cached_outcome(request, cached)
            else:
                outcome = await self._call_chain(request)
        except BaseException as error:
            await self._on_error(ran, request, error, started)
            raise
        await self._finish(ran, request, outcome, started)
        return ChatResult(generations=[ChatGeneration(message=outcome.message)])

    async def stream(self, request: CallRequest) -> AsyncIterator[ChatGenerationChunk]:
        """One streamed call. Retries and fallback happen only before the first chunk: once
        text has reached the caller, a failure ends the stream with the gateway error."""
        self.loop = self.loop or asyncio.get_running_loop()
        started = time.perf_counter()
        ran, cached = await self._before(request)
        try:
            if cached is not None:
                outcome = self._cached_outcome(request, cached)
                yield ChatGenerationChunk(message=_to_chunk(cached.message))
            else:
                spec, attempts, first, rest = await self._open_stream(request)
                merged = first.message
                yield first
                async for chunk in _mapped(rest, spec.name):
                    merged = merged + chunk.message
                    yield chunk
                outcome = self._outcome(request, _as_message(merged), spec, attempts)
        except BaseException as error:  # incl. the consumer going away (GeneratorExit)
            await self._on_error(ran, request, error, started)
            raise
        await self._finish(ran, request, outcome, started)

    async def _call_chain(self, request: CallRequest) -> CallOutcome:
        async def attempt(spec: ModelSpec) -> AIMessage:
            if request.wire is not None and serves(spec):
                return await self.passthrough.complete(spec, request.wire)
            model = self.registry.chat_model(spec)
            stop = request.params.get("stop")
            params = {k: v for k, v in request.params.items() if k != "stop"}
            result = await model._agenerate(list(request.messages), stop=stop, **params)  # type: ignore[arg-type]
            generation = result.generations[0]
            _lift_generation_info(generation)
            return _as_message(generation.message)

        spec, attempts, message = await self._over_fallbacks(request.model, attempt)
        return self._outcome(request, message, spec, attempts)

    async def _open_stream(
        self, request: CallRequest
    ) -> tuple[ModelSpec, int, ChatGenerationChunk, AsyncIterator[ChatGenerationChunk]]:
        async def attempt(
            spec: ModelSpec,
        ) -> tuple[ChatGenerationChunk, AsyncIterator[ChatGenerationChunk]]:
            if request.wire is not None and serves(spec):
                iterator = self.passthrough.stream(spec, request.wire)
            else:
                model = self.registry.chat_model(spec)
                stop = request.params.get("stop")
                params = {k: v for k, v in request.params.items() if k != "stop"}
                iterator = _lifted(model._astream(list(request.messages), stop=stop, **params))  # type: ignore[arg-type]
            return await anext(iterator), iterator

        spec, attempts, (first, rest) = await self._over_fallbacks(request.model, attempt)
        return spec, attempts, first, rest

    async def _over_fallbacks(
        self, name: str, attempt: Callable[[ModelSpec], Awaitable[T]]
    ) -> tuple[ModelSpec, int, T]:
        """``attempt`` on the model, then on each fallback once its retries are spent."""
        primary = self.registry.resolve(name)
        chain = [primary, *(self.registry.resolve(other) for other in primary.fallbacks)]
        attempts = 0
        failure = None
        for spec in chain:
            try:
                value, count = await self.retry.run(
                    spec.name, spec.max_retries, partial(attempt, spec)
                )
            except Exhausted as exhausted:
                attempts += exhausted.attempts
                failure = exhausted.failure
                if not failure.transient:
                    break
                logger.warning(
                    "llm model %s gave up (%s); trying the next", spec.name, failure.kind
                )
                continue
            return spec, attempts + count, value
        assert failure is not None  # the chain is never empty
        raise to_gateway_error(failure, primary.name)

    def _outcome(
        self, request: CallRequest, message: AIMessage, spec: ModelSpec, attempts: int
    ) -> CallOutcome:
        tokens = reported_tokens(message)
        estimated = tokens is None
        if tokens is None:
            tokens = TokenCounts(request.estimated_input_tokens, estimate_text(message.text))
        return CallOutcome(
            message=message,
            model_used=spec.qualified,
            tokens=tokens,
            cost_nusd=cost_nusd(spec.price, tokens),
            attempts=attempts,
            estimated=estimated,
        )

    def _cached_outcome(self, request: CallRequest, cached: CachedResponse) -> CallOutcome:
        spec = self.registry.resolve(request.model)
        return CallOutcome(
            message=cached.message,
            model_used=spec.qualified,
            tokens=TokenCounts(0, 0),
            cost_nusd=0,
            attempts=0,
            estimated=False,
            cached=True,
            saved_nusd=cost_nusd(spec.price, cached.saved),
            saved_tokens=cached.saved,
            cache_source=cached.source,
        )

    async def _before(
        self, request: CallRequest
    ) -> tuple[list[GatewayHook], CachedResponse | None]:
        return await hook_chain.before_call(self.hooks, request)

    async def _finish(
        self, ran: list[GatewayHook], request: CallRequest, outcome: CallOutcome, started: float
    ) -> None:
        latency_s = time.perf_counter() - started
        # The run callbacks skip gateway models (`callbacks.GATEWAY_MODEL_TYPE`): counted here.
        if self.sink is not None:
            price_known = self.registry.resolve(request.model).price is not None
            await self.sink.record(
                usage_record(request, outcome, latency_s, price_known=price_known)
            )
        record_llm_call(metered_call(request, outcome, latency_s))
        await hook_chain.after_call(ran, request, outcome)

    async def _on_error(
        self, ran: list[GatewayHook], request: CallRequest, error: BaseException, started: float
    ) -> None:
        failed = LLMCall(
            model=self.registry.resolve(request.model).qualified,
            agent=request.context.node or "",
            input_tokens=0,
            output_tokens=0,
            cost_usd=0.0,
            latency_s=time.perf_counter() - started,
            outcome=_failure_label(error),
        )
        record_llm_call(failed)
        await hook_chain.on_error(ran, request, error)


def _lift_generation_info(generation: ChatGeneration) -> None:
    """Copy ``generation_info`` (finish reason …) into the message, as LangChain's own
    ``invoke`` does; the gateway calls the provider one level below that."""
    if generation.generation_info:
        metadata = generation.message.response_metadata
        generation.message.response_metadata = {**generation.generation_info, **metadata}


async def _lifted(
    chunks: AsyncIterator[ChatGenerationChunk],
) -> AsyncIterator[ChatGenerationChunk]:
    async for chunk in chunks:
        _lift_generation_info(chunk)
        yield chunk


async def _mapped(
    chunks: AsyncIterator[ChatGenerationChunk], model: str
) -> AsyncIterator[ChatGenerationChunk]:
    """The rest of a stream, with a provider failure mid-way turned into the gateway's error
    (no retry: part of the answer has already reached the caller)."""
    try:
        async for chunk in chunks:
            yield chunk
    except Exception as error:
        failure = classify(error)
        if failure is None:
            raise
        raise to_gateway_error(failure, model) from error


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _failure_label(error: BaseException) -> str:
    if isinstance(error, UpstreamTimeout):
        return "timeout"
    if isinstance(error, UpstreamRateLimited):
        return "rate_limited"
    if isinstance(error, Exception):
        return "error"
    return "cancelled"  # the caller went away (GeneratorExit, CancelledError)


def _as_message(message: BaseMessage) -> AIMessage:
    if isinstance(message, AIMessageChunk):
        return AIMessage(**_chunk_fields(message))
    if isinstance(message, AIMessage):
        return message
    raise TypeError(f"a chat model returned {type(message).__name__}, not an AIMessage")


def _chunk_fields(message: AIMessage) -> dict[str, Any]:
    # Any: these are AIMessage's own constructor keywords, of several types.
    return {
        "content": message.content,
        "additional_kwargs": message.additional_kwargs,
        "response_metadata": message.response_metadata,
        "tool_calls": message.tool_calls,
        "invalid_tool_calls": message.invalid_tool_calls,
        "usage_metadata": message.usage_metadata,
        "id": message.id,
    }


def _to_chunk(message: AIMessage) -> AIMessageChunk:
    """A whole message as one stream chunk (a hook's cached answer on a streamed call)."""
    chunks = [
        tool_call_chunk(name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=i)
        for i, call in enumerate(message.tool_calls)
    ]
    return AIMessageChunk(
        content=message.content,
        tool_call_chunks=chunks,
        response_metadata=message.response_metadata,
        usage_metadata=message.usage_metadata,
        id=message.id,
    )
