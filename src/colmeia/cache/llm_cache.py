"""The semantic cache behind LangChain's cache interface, for graphs that build their own models.

User graphs written for LangGraph Server construct ``ChatOpenAI()`` themselves, so the worker
cannot wrap their models; LangChain consults the process-wide ``set_llm_cache`` cache for every
chat model instead. `RunScopedCache` is that cache, over the same `SemanticCache` the gateway
hook uses, and it is only ever active inside a run:

- the tenant comes from the run (`run_context` sets it around the graph's task), never from
  the prompt; outside a run the cache stays out of the way;
- the scope is the tenant, LangChain's ``llm_string`` (model class, model, every parameter and
  bound tool) and the prompt's earlier turns, system prompt included;
- the policy is the gateway's: deterministic calls (temperature 0) unless the run enables caching
  (``config.configurable.cache = {"enabled": true, "ttl": 60, ...}``), never tool-call turns.

A hit is marked in the served message's ``response_metadata["colmeia_cache"]`` (tier, score,
entry id), so it shows in the run's state, output and trace.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.caches import RETURN_VAL_TYPE, BaseCache
from langchain_core.messages import AIMessage, message_to_dict, messages_from_dict
from langchain_core.outputs import ChatGeneration

from colmeia.cache.hook import METADATA_KEY
from colmeia.cache.policy import InvalidCacheControl, parse_body, storable
from colmeia.cache.runtime import CacheRuntime
from colmeia.cache.scope import ScopedPrompt, digest, scope_request
from colmeia.llm.context import CacheControls
from colmeia.llm.prices import TokenCounts, cost_nusd, price_for

logger = logging.getLogger(__name__)

_SYNC_TIMEOUT_S = 10.0
_ROLES = {
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "function",
}


@dataclass(frozen=True, slots=True)
class RunCacheScope:
    """Who the current run belongs to, and its cache controls."""

    tenant: str
    controls: CacheControls


_current: contextvars.ContextVar[RunCacheScope | None] = contextvars.ContextVar(
    "colmeia_run_cache_scope", default=None
)


def run_context(tenant: str, config: Mapping[str, Any] | None = None) -> contextvars.Context:
    """A copy of the current context with the run's tenant (and the run's cache controls,
    ``config["configurable"]["cache"]``) set; run the graph's task in it."""
    # Any: a run's config is the caller's JSON.
    configurable = (config or {}).get("configurable") or {}
    try:
        controls = parse_body({"cache": configurable.get("cache")})
    except InvalidCacheControl as error:
        logger.warning("run cache controls ignored: %s", error.message)
        controls = CacheControls()
    context = contextvars.copy_context()
    context.run(_current.set, RunCacheScope(tenant, controls))
    return context


class RunScopedCache(BaseCache):
    """LangChain's ``BaseCache`` over the semantic cache, partitioned by the run's tenant."""

    def __init__(self, runtime: CacheRuntime, loop: asyncio.AbstractEventLoop) -> None:
        self._runtime = runtime
        self._loop = loop
        """The loop the cache's Redis client lives on (the worker's run loop)."""

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        return await self._lookup(_current.get(), prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        await self._update(_current.get(), prompt, llm_string, return_val)

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Sync models (a sync node in a thread) look up on the run loop; on the loop itself a
        blocking wait would deadlock, so that case is a miss."""
        if self._on_loop():
            return None
        future = asyncio.run_coroutine_threadsafe(
            self._lookup(_current.get(), prompt, llm_string), self._loop
        )
        try:
            return future.result(_SYNC_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            logger.warning("llm cache lookup took over %s s; treated as a miss", _SYNC_TIMEOUT_S)
            return None

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        if self._on_loop():
            return
        future = asyncio.run_coroutine_threadsafe(
            self._update(_current.get(), prompt, llm_string, return_val), self._loop
        )
        try:
            future.result(_SYNC_TIMEOUT_S)
        except TimeoutError:
            logger.warning(
                "llm cache store took over %s s; the answer is not cached", _SYNC_TIMEOUT_S
            )

    def clear(self, **kwargs: Any) -> None:
        """Not from graph code: purging is an admin operation (``POST /admin/cache/purge``)."""
        # Any: LangChain's signature.
        logger.warning("llm cache clear() ignored: purge through the admin API")

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    async def _lookup(
        self, run: RunCacheScope | None, prompt: str, llm_string: str
    ) -> RETURN_VAL_TYPE | None:
        cache = self._runtime.cache
        scoped = self._scoped(run, prompt, llm_string, lookup=True)
        if cache is None or scoped is None:
            return None
        hit = await cache.lookup(scoped.scope, scoped.prompt)
        if hit is None:
            return None
        stored = hit.response.get("generation")
        if not isinstance(stored, dict):
            return None
        (message,) = messages_from_dict([stored])
        message.response_metadata = {
            **message.response_metadata,
            METADATA_KEY: {"tier": hit.tier, "score": hit.score, "entry_id": hit.entry_id},
        }
        logger.info("llm cache hit (tier %s, score %.3f)", hit.tier, hit.score)
        return [ChatGeneration(message=message)]

    async def _update(
        self, run: RunCacheScope | None, prompt: str, llm_string: str, value: RETURN_VAL_TYPE
    ) -> None:
        cache = self._runtime.cache
        scoped = self._scoped(run, prompt, llm_string, lookup=False)
        if cache is None or scoped is None or run is None or len(value) != 1:
            return
        (generation,) = value
        if not isinstance(generation, ChatGeneration) or not isinstance(
            generation.message, AIMessage
        ):
            return
        if generation.message.response_metadata.get(METADATA_KEY):
            return  # served from this cache: already stored
        response = _choice(generation.message)
        if not storable(response)[0]:
            return
        decision = self._runtime.policy.decide(_params(llm_string), run.controls)
        await cache.store(
            scoped.scope,
            scoped.prompt,
            response,
            ttl_s=decision.ttl_s,
            tags=run.controls.tags,
            usage=_usage(generation.message, llm_string),
        )

    def _scoped(
        self, run: RunCacheScope | None, prompt: str, llm_string: str, *, lookup: bool
    ) -> ScopedPrompt | None:
        """The scope of this call, or None when the cache must stay out of it."""
        if run is None or self._runtime.status != "ready":
            return None
        params = _params(llm_string)
        decision = self._runtime.policy.decide(params, run.controls)
        if not (decision.lookup if lookup else decision.store):
            return None
        messages = _openai_messages(prompt)
        if messages is None:
            return None
        return scope_request(
            tenant=run.tenant,
            model=f"langchain:{digest(llm_string)}",
            messages=messages,
            params={"llm_string": llm_string},
        )


def _openai_messages(prompt: str) -> list[dict[str, object]] | None:
    """OpenAI-style dicts from LangChain's serialised prompt (``dumps(messages)``), read as
    plain JSON: nothing is instantiated from it."""
    try:
        items = json.loads(prompt)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    messages: list[dict[str, object]] = []
    for item in items:
        ids = item.get("id") if isinstance(item, dict) else None
        kwargs = item.get("kwargs") if isinstance(item, dict) else None
        if not isinstance(ids, list) or not ids or not isinstance(kwargs, dict):
            return None
        kind = str(ids[-1]).removesuffix("Chunk")
        role = kwargs.get("role") if kind == "ChatMessage" else _ROLES.get(kind)
        if role is None:
            return None
        message = {"role": role, "content": kwargs.get("content")}
        for extra in ("tool_calls", "tool_call_id", "name"):
            if kwargs.get(extra):
                message[extra] = kwargs[extra]
        messages.append(message)
    return messages


def _params(llm_string: str) -> dict[str, object]:
    """The generation parameters in LangChain's ``llm_string``: the model's constructor
    arguments (a JSON object) overridden by the call's (a Python literal after ``---``)."""
    params: dict[str, object] = {}
    rest = llm_string
    try:
        serialised, end = json.JSONDecoder().raw_decode(llm_string)
        kwargs = serialised.get("kwargs") if isinstance(serialised, dict) else None
        params.update(kwargs if isinstance(kwargs, dict) else {})
        rest = llm_string[end:].removeprefix("---")
    except ValueError:
        pass  # a model that is not serialisable: its llm_string is the parameter list alone
    try:
        pairs = ast.literal_eval(rest)
        params.update(dict(pairs))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    return params


def _choice(message: AIMessage) -> dict[str, object]:
    body: dict[str, object] = {"role": "assistant", "content": message.text}
    if message.tool_calls:
        body["tool_calls"] = list(message.tool_calls)
    return {
        "message": body,
        "finish_reason": message.response_metadata.get("finish_reason"),
        "generation": message_to_dict(message),
    }


def _usage(message: AIMessage, llm_string: str) -> dict[str, int]:
    usage = message.usage_metadata
    if not usage:
        return {}
    tokens = TokenCounts(input=int(usage["input_tokens"]), output=int(usage["output_tokens"]))
    params = _params(llm_string)
    model = params.get("model_name") or params.get("model")
    price = price_for(str(model), {}) if model else None
    return {
        "prompt_tokens": tokens.input,
        "completion_tokens": tokens.output,
        "cost_nusd": cost_nusd(price, tokens),
    }
