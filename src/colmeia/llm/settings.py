"""Shapes of the model registry in `Settings` (``COLMEIA_LLM__MODELS``, ``COLMEIA_LLM__PRICES``).

Plain pydantic models with no LangChain import, because `colmeia.config` imports them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue, SecretStr


class Price(BaseModel):
    """US dollars per one million tokens."""

    model_config = ConfigDict(frozen=True)

    input: float = Field(default=0.0, ge=0)
    output: float = Field(default=0.0, ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    """Price of prompt tokens served from the provider's prompt cache; None: same as input."""


class ModelEntry(BaseModel):
    """One alias of the registry: which LangChain model it builds and how it is called.

    Unset numbers fall back to the section-wide defaults (``COLMEIA_LLM__TIMEOUT_S`` …).
    """

    model: str
    """``provider:model`` as LangChain's ``init_chat_model`` reads it, e.g. ``openai:gpt-4o``."""
    base_url: str | None = None
    api_key: SecretStr | None = None
    fallbacks: list[str] = Field(default_factory=list)
    """Aliases (or ``provider:model`` strings) tried in order once this model's retries run out."""
    timeout_s: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0)
    price: Price | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers on every provider request (``default_headers``)."""
    params: dict[str, JsonValue] = Field(default_factory=dict)
    """Further keyword arguments for the LangChain constructor (temperature, …)."""
