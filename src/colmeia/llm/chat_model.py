"""`GatewayChatModel`: a LangChain chat model that sends every call through the gateway.

Any graph that takes a ``BaseChatModel`` gets retries, fallback, usage accounting and the
budget / cache hooks without code changes; tool binding and structured output are delegated to
the underlying provider model so its own tool format is used. LangChain's ``set_llm_cache``
still applies in front of it, like for any chat model.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableBinding
from langchain_core.tools import BaseTool
from pydantic import ConfigDict

from colmeia.llm.context import CallContext
from colmeia.llm.gateway import Gateway


class GatewayChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    gateway: Gateway
    model_name: str
    context: CallContext = CallContext()

    @property
    def _llm_type(self) -> str:
        return "colmeia-gateway"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        # Any: LangChain's own signature for this property.
        return {"model_name": self.model_name}

    def with_context(self, context: CallContext) -> GatewayChatModel:
        """The same model, attributing its calls to ``context``."""
        return self.model_copy(update={"context": context})

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        # Any: LangChain's signature; tools are formatted by the provider model itself.
        spec = self.gateway.registry.resolve(self.model_name)
        provider_model = self.gateway.registry.chat_model(spec)
        bound = provider_model.bind_tools(tools, tool_choice=tool_choice, **kwargs)
        assert isinstance(bound, RunnableBinding)  # every LangChain integration binds kwargs
        return self.bind(**bound.kwargs)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self.gateway.request(
            self.model_name, messages, _params(stop, kwargs), self._context(run_manager)
        )
        return await self.gateway.generate(request)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self.gateway.request(
            self.model_name,
            messages,
            _params(stop, kwargs),
            self._context(run_manager),
            streaming=True,
        )
        async for chunk in self.gateway.stream(request):
            yield chunk

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Sync callers (a sync node run in a thread pool, a script) run the call on the
        gateway's serving loop, where provider clients and hooks hold their connections."""
        request = self.gateway.request(
            self.model_name, messages, _params(stop, kwargs), self._context(run_manager)
        )
        loop = self.gateway.serving_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("call ainvoke: a sync invoke would block the running event loop")
        return asyncio.run_coroutine_threadsafe(self.gateway.generate(request), loop).result()

    def _context(
        self, run_manager: AsyncCallbackManagerForLLMRun | CallbackManagerForLLMRun | None
    ) -> CallContext:
        if run_manager is None:
            return self.context
        return self.context.with_metadata(dict(run_manager.metadata))


def _params(stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, object]:
    # Any: LangChain passes generation parameters of any type through **kwargs.
    params: dict[str, object] = dict(kwargs)
    if stop:
        params["stop"] = stop
    return params
