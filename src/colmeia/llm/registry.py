"""From a model name to a LangChain chat model: aliases, provider inference, construction.

Models are built with LangChain's own ``init_chat_model`` (so any installed integration works)
with the provider SDK's retries switched off (``max_retries=0``): the gateway owns retries, so
it can see each attempt, honour ``Retry-After`` and fall back. Built models are kept per name in
the registry instance (one per process; they hold HTTP connection pools, nothing shared).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel
from pydantic import JsonValue

from colmeia.config import LLMSettings
from colmeia.llm.errors import ModelNotFound
from colmeia.llm.prices import price_for
from colmeia.llm.settings import ModelEntry, Price

SIMULATED = ("sim-",)
OPENAI_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt")
MAX_BUILT = 64
"""Models built per registry (each holds an HTTP connection pool)."""
MAX_REMEMBERED = 1000
"""Resolved specs kept per registry; bounded because callers choose the names."""

PLACEHOLDER_KEY = "not-needed"
"""OpenAI-compatible local servers (Ollama, vLLM, the simulator) ignore the key, but the
client refuses to start without one."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Everything needed to call one model, resolved from the registry and the defaults."""

    name: str
    provider: str
    model: str
    timeout_s: float
    max_retries: int
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    fallbacks: tuple[str, ...] = ()
    price: Price | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, JsonValue] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"{self.provider}:{self.model}"


class ModelRegistry:
    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self._built: dict[str, BaseChatModel] = {}
        self._resolved: dict[str, ModelSpec] = {}

    def listed(self) -> list[str]:
        """The names ``/v1/models`` advertises: every alias, and the default model."""
        names = list(self.settings.models)
        if self.settings.default_model not in names:
            names.append(self.settings.default_model)
        return names

    def resolve(self, name: str | None) -> ModelSpec:
        """The spec for ``name`` (None: the default model); `ModelNotFound` when unknown."""
        name = (name or self.settings.default_model).strip()
        known = self._resolved.get(name)
        if known is not None:
            return known
        spec = self._resolve(name)
        if len(self._resolved) < MAX_REMEMBERED:
            self._resolved[name] = spec
        return spec

    def _resolve(self, name: str) -> ModelSpec:
        entry = self.settings.models.get(name)
        if entry is None:
            if not self.settings.allow_unlisted:
                raise ModelNotFound(name)
            entry = ModelEntry(model=self._qualify(name))
        provider, _, model = entry.model.partition(":")
        if not model:
            provider, model = self._qualify(entry.model).split(":", 1)
        return self._spec(name, provider, model, entry)

    def chat_model(self, spec: ModelSpec) -> BaseChatModel:
        """The LangChain model for ``spec``, built once per name."""
        built = self._built.get(spec.name)
        if built is None:
            if len(self._built) >= MAX_BUILT and spec.name not in self.settings.models:
                # Each built model holds a connection pool; callers choose unlisted names.
                raise ModelNotFound(spec.name, "is unlisted and the unlisted-model limit is hit")
            built = self._build(spec)
            self._built[spec.name] = built
        return built

    def _qualify(self, name: str) -> str:
        if ":" in name:
            return name
        if name.startswith("claude"):
            return f"anthropic:{name}"
        if self.settings.base_url or name.startswith(SIMULATED + OPENAI_PREFIXES):
            return f"openai:{name}"
        raise ModelNotFound(name, "names no provider: use provider:model")

    def _spec(self, name: str, provider: str, model: str, entry: ModelEntry) -> ModelSpec:
        llm = self.settings
        key = entry.api_key.get_secret_value() if entry.api_key else None
        base_url = entry.base_url
        if provider == "openai":
            base_url = base_url or llm.base_url
            if base_url is None and model.startswith(SIMULATED):
                # Zero-config: the simulated LLM `colmeia up` starts on its default port.
                base_url = f"http://127.0.0.1:{llm.simulated_port}/v1"
            key = key or _secret(llm.openai_api_key) or (PLACEHOLDER_KEY if base_url else None)
        elif provider == "anthropic":
            key = key or _secret(llm.anthropic_api_key)
        return ModelSpec(
            name=name,
            provider=provider,
            model=model,
            timeout_s=entry.timeout_s or llm.timeout_s,
            max_retries=llm.max_retries if entry.max_retries is None else entry.max_retries,
            base_url=base_url,
            api_key=key,
            fallbacks=tuple(entry.fallbacks),
            price=entry.price or price_for(f"{provider}:{model}", llm.prices),
            headers=dict(entry.headers),
            params=dict(entry.params),
        )

    def _build(self, spec: ModelSpec) -> BaseChatModel:
        # Any: constructor keywords differ by integration and init_chat_model forwards them.
        kwargs: dict[str, Any] = {"timeout": spec.timeout_s, "max_retries": 0, **spec.params}
        if spec.headers:
            kwargs["default_headers"] = spec.headers
        if spec.api_key:
            kwargs["api_key"] = spec.api_key
        if spec.base_url:
            kwargs["base_url"] = spec.base_url
        if spec.provider == "openai":
            kwargs["stream_usage"] = True
            # An unhashable Timeout makes langchain-openai build a client for this model
            # instead of sharing a process-wide cached one, so `aclose` can close it.
            kwargs["timeout"] = httpx.Timeout(spec.timeout_s)
        try:
            model: BaseChatModel = init_chat_model(
                spec.model, model_provider=spec.provider, **kwargs
            )
        except Exception as error:
            # Unknown provider, integration not installed, missing credentials (the SDKs
            # raise their own error types for those): the name cannot be served.
            raise ModelNotFound(spec.name, f"cannot be built: {error}"[:300]) from None
        return model

    async def aclose(self) -> None:
        """Close the HTTP clients of every model built here (the app's shutdown)."""
        models, self._built = list(self._built.values()), {}
        for model in models:
            client = getattr(model, "root_async_client", None)
            close = getattr(client, "close", None)
            if close is not None:
                await close()


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return None if getter is None else str(getter())
