"""The cache side of the LLM gateway: a `GatewayHook` that answers from the semantic cache
before the provider is called, and stores the provider's answer after it.

Registered after the budget hook (DESIGN §1: budget reserve → cache → provider). A hit
short-circuits the call: the gateway records it at zero cost with the original answer's tokens
and cost as saved. The hook keeps no per-call state: ``after_call`` recomputes the scope and the
policy's decision from the request, so nothing is left behind by a call that never finishes.
What the cache did is written on the caller's `CacheReport`, when it handed one in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, convert_to_openai_messages

from colmeia.cache.policy import CacheDecision, storable
from colmeia.cache.runtime import CacheRuntime
from colmeia.cache.scope import ScopedPrompt, scope_request
from colmeia.llm.context import CacheReport
from colmeia.llm.hooks import CachedResponse, CallOutcome, CallRequest
from colmeia.llm.prices import TokenCounts

if TYPE_CHECKING:  # the semantic module loads ONNX Runtime: imported in the background
    from colmeia.cache.semantic import CacheHit

logger = logging.getLogger(__name__)

METADATA_KEY = "colmeia_cache"
"""Key of the hit description in a served message's ``response_metadata``."""


class CacheHook:
    """Lookup before, store after, every gateway call the policy allows."""

    def __init__(self, runtime: CacheRuntime) -> None:
        self._runtime = runtime

    async def before_call(self, request: CallRequest) -> CachedResponse | None:
        report = request.context.cache_report or CacheReport()
        planned = self._plan(request, report)
        cache = self._runtime.cache
        if planned is None or cache is None or not planned[1].lookup:
            return None
        scoped, _ = planned
        hit = await cache.lookup(scoped.scope, scoped.prompt)
        if hit is None:
            report.status = "miss"
            return None
        report.status, report.tier, report.score = "hit", hit.tier, hit.score
        report.entry_id = hit.entry_id
        return CachedResponse(message=_message(hit), saved=_tokens(hit.usage), source=hit.tier)

    async def after_call(self, request: CallRequest, outcome: CallOutcome) -> None:
        cache = self._runtime.cache
        if outcome.cached or cache is None:
            return
        planned = self._plan(request, CacheReport())
        if planned is None or not planned[1].store:
            return
        scoped, decision = planned
        response = _choice(outcome.message)
        allowed, why = storable(response)
        if not allowed:
            logger.debug("cache: not storing a %s answer", why)
            return
        usage = {
            "prompt_tokens": outcome.tokens.input,
            "completion_tokens": outcome.tokens.output,
            "cost_nusd": outcome.cost_nusd,
        }
        entry_id = await cache.store(
            scoped.scope,
            scoped.prompt,
            response,
            ttl_s=decision.ttl_s,
            tags=request.context.cache.tags,
            usage=usage,
        )
        report = request.context.cache_report
        if report is not None and entry_id is not None and report.entry_id is None:
            report.entry_id = entry_id

    async def on_error(self, request: CallRequest, error: BaseException) -> None:
        """Nothing was reserved, and a failed call is never stored."""

    def _plan(
        self, request: CallRequest, report: CacheReport
    ) -> tuple[ScopedPrompt, CacheDecision] | None:
        """The scope and decision for ``request``; None (with the reason on ``report``) when
        the cache stays out of this call."""
        context = request.context
        if self._runtime.status != "ready":
            report.reason = self._runtime.status
            return None
        if context.tenant_id is None:
            report.reason = "no tenant"
            return None
        decision = self._runtime.policy.decide(
            request.params, context.cache, agent_enabled=False, streaming=request.streaming
        )
        if not (decision.lookup or decision.store):
            report.reason = _short(decision.reason)
            return None
        if not decision.lookup:
            report.reason = "no-cache"
        scoped = scope_request(
            tenant=str(context.tenant_id),
            model=request.model,
            messages=convert_to_openai_messages(list(request.messages)),
            params=request.params,
            shared=context.shared,
        )
        if scoped is None:
            report.reason = "no user message"
            return None
        return scoped, decision


def _short(reason: str) -> str:
    """A header-safe token for a policy reason, e.g. ``not-deterministic``."""
    return reason.split(" (")[0].replace(" ", "-")


def _choice(message: AIMessage) -> dict[str, object]:
    """The OpenAI-style choice the store keeps (what `storable` judges)."""
    metadata = message.response_metadata
    reason = metadata.get("finish_reason") or metadata.get("stop_reason")
    if reason in ("end_turn", "stop_sequence"):
        reason = "stop"
    elif reason == "max_tokens":
        reason = "length"
    body: dict[str, object] = {"role": "assistant", "content": message.text}
    if message.tool_calls:
        body["tool_calls"] = list(message.tool_calls)
    return {"message": body, "finish_reason": reason}


def _message(hit: CacheHit) -> AIMessage:
    stored = hit.response.get("message")
    content = stored.get("content") if isinstance(stored, Mapping) else None
    return AIMessage(
        content=content if isinstance(content, str) else "",
        response_metadata={
            "finish_reason": hit.response.get("finish_reason") or "stop",
            METADATA_KEY: {"tier": hit.tier, "score": hit.score, "entry_id": hit.entry_id},
        },
    )


def _tokens(usage: Mapping[str, int]) -> TokenCounts:
    return TokenCounts(
        input=int(usage.get("prompt_tokens", 0)), output=int(usage.get("completion_tokens", 0))
    )
