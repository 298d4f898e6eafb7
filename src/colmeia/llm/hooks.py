"""The hook contract the budget and cache components implement.

Order of a call through the gateway, for hooks ``h1, h2, …`` in registration order
(budget first, then cache, as DESIGN §1 draws it)::

    h1.before_call → h2.before_call → provider (retries, fallback) → record usage
        → h1.after_call, h2.after_call          (success, or a hit served by a hook)
        → h1.on_error, h2.on_error              (the provider call failed)

- ``before_call`` may *refuse* the call by raising a `ColmeiaError` (a budget says 402/429), or
  *short-circuit* it by returning a `CachedResponse` (a cache hit): later hooks' ``before_call``
  and the provider are skipped, the usage row is written with zero cost and the saving.
- ``after_call`` and ``on_error`` reach exactly the hooks whose ``before_call`` ran, so a
  reservation is always settled or refunded. Their own failures are logged, never raised: the
  caller already has (or already lost) the answer.

`before_call`, `after_call` and `on_error` below run a chain of hooks with these rules; the
gateway and the run callbacks (`colmeia.llm.callbacks`) both call them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from langchain_core.messages import AIMessage, BaseMessage

from colmeia.llm.context import CallContext
from colmeia.llm.prices import TokenCounts


@dataclass(frozen=True, slots=True)
class CallRequest:
    """One logical model call, as hooks see it (retries and fallbacks are inside it)."""

    call_id: uuid.UUID
    context: CallContext
    model: str
    """The name the caller asked for (an alias or ``provider:model``)."""
    messages: Sequence[BaseMessage]
    params: Mapping[str, object]
    """Generation parameters as passed to the model: tools, tool_choice, temperature,
    max_tokens, response_format, stop …"""
    estimated_input_tokens: int
    max_output_tokens: int | None
    streaming: bool
    wire: Mapping[str, object] | None = None
    """The caller's request body in OpenAI's format (``/v1/chat/completions``), when it came as
    one: an OpenAI-compatible model is sent it as is (`colmeia.llm.passthrough`)."""


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """What a hook returns to answer a call without the provider."""

    message: AIMessage
    saved: TokenCounts
    """The tokens the original answer cost, reported as saved."""
    source: str = "cache"


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """How a call ended, for ``after_call``."""

    message: AIMessage
    model_used: str
    """The model that answered: the requested one, a fallback, or the request's own on a hit."""
    tokens: TokenCounts
    cost_nusd: int
    attempts: int
    estimated: bool
    """The provider reported no usage; ``tokens`` is the offline estimate."""
    cached: bool = False
    saved_nusd: int = 0
    saved_tokens: TokenCounts | None = None
    """On a hit: the tokens the original answer cost (``tokens`` is then zero)."""
    cache_source: str | None = None


@runtime_checkable
class GatewayHook(Protocol):
    """Something the gateway calls around every model call (budget, cache, …)."""

    async def before_call(self, request: CallRequest) -> CachedResponse | None:
        """Reserve, look up, or refuse (raise); return a response to skip the provider."""
        ...

    async def after_call(self, request: CallRequest, outcome: CallOutcome) -> None:
        """Settle and store once the call succeeded (or was served by a hook)."""
        ...

    async def on_error(self, request: CallRequest, error: BaseException) -> None:
        """Refund what ``before_call`` reserved; the call failed or was cancelled."""
        ...


logger = logging.getLogger("colmeia.llm")


async def before_call(
    hooks: Sequence[GatewayHook], request: CallRequest
) -> tuple[list[GatewayHook], CachedResponse | None]:
    """Run ``before_call`` in order; returns the hooks that ran and a hook's cached answer.

    A refusal refunds the hooks that already ran, then propagates.
    """
    ran: list[GatewayHook] = []
    for hook in hooks:
        try:
            cached = await hook.before_call(request)
        except BaseException as error:
            await on_error(ran, request, error)
            raise
        ran.append(hook)
        if cached is not None:
            return ran, cached
    return ran, None


async def after_call(
    ran: Sequence[GatewayHook], request: CallRequest, outcome: CallOutcome
) -> None:
    """Settle every hook that ran; a hook's failure is logged, never raised."""
    for hook in ran:
        try:
            await hook.after_call(request, outcome)
        except Exception:
            logger.exception("after_call of %s failed", type(hook).__name__)


async def on_error(ran: Sequence[GatewayHook], request: CallRequest, error: BaseException) -> None:
    """Refund every hook that ran; a hook's failure is logged, never raised."""
    for hook in ran:
        try:
            await hook.on_error(request, error)
        except Exception:
            logger.exception("on_error of %s failed", type(hook).__name__)
