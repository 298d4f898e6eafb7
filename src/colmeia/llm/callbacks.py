"""Metering for the model calls a graph makes itself: LangChain callbacks on every run.

Graphs written for LangGraph Server build their own models (``ChatOpenAI()``), so their calls
never pass through the `Gateway`. The worker adds these callbacks to every run's config
instead; LangChain invokes them around each chat-model call of any integration, and they do
what the gateway does around a provider call:

    on_chat_model_start → hooks' before_call (a budget refusal raises: the call is not made)
    on_llm_end          → usage row + hooks' after_call with the provider-reported usage
                          (the offline estimate when none was reported); cost, cache outcome
                          and attribution on the call's span
    on_llm_error        → hooks' on_error (the reservation is refunded)

Calls made through `GatewayChatModel` are skipped: the gateway records those itself.

Two handlers share one `_RunMeter`, because LangChain drives handlers differently on its two
paths, and the hooks' Redis and database connections belong to one event loop (the worker's):

* async calls (``ainvoke`` in an async node) run on that loop: `_AsyncCallbacks` awaits the
  work in place;
* sync calls (``invoke`` in a sync node, which LangGraph runs in a thread) cannot await, and
  LangChain swallows errors of async handlers there: `_SyncCallbacks` hands the work to the
  loop and blocks its thread until done, so a refusal still stops the call.

Each handler does nothing on the other's path. (A sync ``invoke`` made on the loop's own
thread, inside an async node, blocks that loop; it cannot be metered and is left alone.)

Both run inline, before LangChain's tracing handler, so a call's span is still open when
`on_llm_end` annotates it. One consequence of refusing inline: LangChain has already created
(and now drops) the other handlers' coroutines for that call, which Python reports as "never
awaited".
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from colmeia.llm import hooks as hook_chain
from colmeia.llm.context import CallContext
from colmeia.llm.hooks import CallOutcome, CallRequest, GatewayHook
from colmeia.llm.metered import metered_call, usage_record
from colmeia.llm.prices import TokenCounts, cost_nusd, price_for
from colmeia.llm.settings import Price
from colmeia.llm.tokens import estimate_messages, estimate_text
from colmeia.llm.usage import UsageRecord, UsageSink, reported_tokens
from colmeia.telemetry.genai import LLMCall, record_llm_call
from colmeia.telemetry.langchain import span_of

GATEWAY_MODEL_TYPE = "colmeia-gateway"
"""``_llm_type`` of `GatewayChatModel`, whose calls are metered by the gateway."""
CACHE_SOURCE = "llm_cache"
BLOCKING_TIMEOUT_S = 60.0
"""Longest a sync call waits for its metering on the loop (budget lookup, Redis)."""

# Any (below): LangChain's callback signatures pass free-form keyword arguments.


class RunAccounting:
    """The process's metering for run callbacks: hooks, usage sink and prices, bound to the
    event loop that owns their connections (the loop it is created on)."""

    def __init__(
        self,
        hooks: Sequence[GatewayHook],
        sink: UsageSink | None,
        prices: Mapping[str, Price],
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.hooks = tuple(hooks)
        self.sink = sink
        self.prices = dict(prices)
        self.loop = loop or asyncio.get_running_loop()

    def callbacks(self, context: CallContext) -> list[BaseCallbackHandler]:
        """The handlers for one run's config, attributing its calls to ``context``."""
        meter = _RunMeter(self, context)
        # Sync first: on the async path it is a no-op, and a refusal raised by the async one
        # then leaves none of our own coroutines unawaited.
        return [_SyncCallbacks(meter), _AsyncCallbacks(meter)]


@dataclass(frozen=True, slots=True)
class _Pending:
    request: CallRequest
    ran: list[GatewayHook]
    started: float


class _RunMeter:
    """The calls of one run in flight, keyed by LangChain's run id; touched on the loop only."""

    def __init__(self, accounting: RunAccounting, context: CallContext) -> None:
        self.accounting = accounting
        self.context = context
        self.pending: dict[uuid.UUID, _Pending] = {}

    def on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.accounting.loop
        except RuntimeError:
            return False

    def blocking(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` on the accounting loop from another thread; its errors propagate."""
        asyncio.run_coroutine_threadsafe(work, self.accounting.loop).result(BLOCKING_TIMEOUT_S)

    async def start(
        self,
        call_id: uuid.UUID,
        messages: list[list[BaseMessage]],
        metadata: dict[str, Any] | None,
        params: dict[str, Any],
    ) -> None:
        if params.get("_type") == GATEWAY_MODEL_TYPE or not messages:
            return
        request = self._request(call_id, messages[0], metadata or {}, params)
        # A hook's cached answer cannot replace the provider call from a callback; in runs,
        # LangChain's own cache (set_llm_cache) serves repeated calls, reported as hits.
        ran, _ = await hook_chain.before_call(self.accounting.hooks, request)
        self.pending[call_id] = _Pending(request, ran, time.perf_counter())

    async def end(self, call_id: uuid.UUID, response: LLMResult) -> None:
        pending = self.pending.pop(call_id, None)
        if pending is None:
            return
        request = pending.request
        outcome = self._outcome(request, _message(response))
        latency_s = time.perf_counter() - pending.started
        _annotate(call_id, request, outcome, latency_s)
        if self.accounting.sink is not None:
            await self.accounting.sink.record(self._record(request, outcome, latency_s))
        await hook_chain.after_call(pending.ran, request, outcome)

    async def error(self, call_id: uuid.UUID, error: BaseException) -> None:
        pending = self.pending.pop(call_id, None)
        if pending is None:
            return
        call = LLMCall(
            pending.request.model,
            pending.request.context.node or "",
            0,
            0,
            0.0,
            time.perf_counter() - pending.started,
            outcome="error",
        )
        record_llm_call(call, span_of(call_id))
        await hook_chain.on_error(pending.ran, pending.request, error)

    def _request(
        self,
        call_id: uuid.UUID,
        messages: list[BaseMessage],
        metadata: dict[str, Any],
        params: dict[str, Any],
    ) -> CallRequest:
        limit = params.get("max_completion_tokens") or params.get("max_tokens")
        return CallRequest(
            call_id=call_id,
            context=self.context.with_metadata(metadata),
            model=_model_name(metadata.get("ls_provider"), metadata.get("ls_model_name"), params),
            messages=messages,
            params={k: v for k, v in params.items() if k != "_type"},
            estimated_input_tokens=estimate_messages(messages, params.get("tools")),
            max_output_tokens=limit if isinstance(limit, int) else None,
            streaming=bool(params.get("stream") or params.get("streaming")),
        )

    def _outcome(self, request: CallRequest, message: AIMessage) -> CallOutcome:
        """How the call ended (on a cache hit: at no cost, with the tokens it saved)."""
        answered = message.response_metadata.get("model_name") or message.response_metadata.get(
            "model"
        )
        provider = request.model.split(":", 1)[0] if ":" in request.model else None
        model = _model_name(provider, answered, {}) if answered else request.model
        price = price_for(model, self.accounting.prices) or price_for(
            request.model, self.accounting.prices
        )
        reported = reported_tokens(message)
        tokens = reported or TokenCounts(
            request.estimated_input_tokens, estimate_text(message.text)
        )
        if _cache_hit(message):
            hit = CallOutcome(
                message=message,
                model_used=model,
                tokens=TokenCounts(0, 0),
                cost_nusd=0,
                attempts=0,
                estimated=False,
                cached=True,
                saved_nusd=cost_nusd(price, tokens),
                saved_tokens=tokens,
                cache_source=CACHE_SOURCE,
            )
            return hit
        called = CallOutcome(
            message=message,
            model_used=model,
            tokens=tokens,
            cost_nusd=cost_nusd(price, tokens),
            attempts=1,
            estimated=reported is None,
        )
        return called

    def _record(self, request: CallRequest, outcome: CallOutcome, latency_s: float) -> UsageRecord:
        price = price_for(outcome.model_used, self.accounting.prices)
        return usage_record(request, outcome, latency_s, price_known=price is not None)


class _AsyncCallbacks(AsyncCallbackHandler):
    """LangChain's async path, on the accounting loop (see the module docstring)."""

    raise_error = True
    run_inline = True

    def __init__(self, meter: _RunMeter) -> None:
        self.meter = meter

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if self.meter.on_loop():
            await self.meter.start(
                run_id, messages, metadata, kwargs.get("invocation_params") or {}
            )

    async def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if self.meter.on_loop():
            await self.meter.end(run_id, response)

    async def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if self.meter.on_loop():
            await self.meter.error(run_id, error)


class _SyncCallbacks(BaseCallbackHandler):
    """LangChain's sync path, from any thread but the loop's (see the module docstring)."""

    raise_error = True
    run_inline = True

    def __init__(self, meter: _RunMeter) -> None:
        self.meter = meter

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not self.meter.on_loop():
            params = kwargs.get("invocation_params") or {}
            self.meter.blocking(self.meter.start(run_id, messages, metadata, params))

    def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> None:
        if not self.meter.on_loop():
            self.meter.blocking(self.meter.end(run_id, response))

    def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> None:
        if not self.meter.on_loop():
            self.meter.blocking(self.meter.error(run_id, error))


def _model_name(provider: object, model: object, params: Mapping[str, Any]) -> str:
    """``provider:model`` as the price table and usage rows name it."""
    name = model or params.get("model") or params.get("model_name") or "unknown"
    if provider and ":" not in str(name):
        return f"{provider}:{name}"
    return str(name)


def _message(response: LLMResult) -> AIMessage:
    """The answer of a one-prompt call (a chat model is called with one message list)."""
    first = response.generations[0][0] if response.generations and response.generations[0] else None
    if isinstance(first, ChatGeneration) and isinstance(first.message, AIMessage):
        return first.message
    return AIMessage(content=first.text if first is not None else "")


def _cache_hit(message: AIMessage) -> bool:
    """LangChain marks an answer served by its LLM cache by zeroing ``total_cost``."""
    usage: Mapping[str, object] = message.usage_metadata or {}
    return usage.get("total_cost") == 0


def _annotate(
    call_id: uuid.UUID, request: CallRequest, outcome: CallOutcome, latency_s: float
) -> None:
    """Cost, tokens, cache outcome and agent on the call's span (still open: these handlers
    run before the tracing one), and the LLM metrics; a hit reports what it saved."""
    record_llm_call(metered_call(request, outcome, latency_s), span_of(call_id))
