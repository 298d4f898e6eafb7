"""Model names to specs: aliases, provider inference, defaults, prices and errors."""

from __future__ import annotations

import email.utils
import time

import pytest

from colmeia.config import LLMSettings
from colmeia.llm.errors import ModelNotFound
from colmeia.llm.prices import DEFAULT_PRICES, TokenCounts, cost_nusd, price_for
from colmeia.llm.registry import ModelRegistry
from colmeia.llm.settings import Price
from colmeia.llm.transient import retry_after


class TestResolve:
    def test_alias_with_its_own_settings_and_fallbacks(self) -> None:
        settings = LLMSettings.model_validate(
            {
                "base_url": "http://local/v1",
                "models": {
                    "smart": {
                        "model": "anthropic:claude-sonnet-4-5",
                        "api_key": "sk-ant-x",
                        "fallbacks": ["cheap"],
                        "timeout_s": 7,
                        "max_retries": 5,
                    },
                    "cheap": {"model": "openai:gpt-4o-mini"},
                },
            }
        )
        registry = ModelRegistry(settings)

        smart, cheap = registry.resolve("smart"), registry.resolve("cheap")

        assert (smart.provider, smart.model, smart.base_url) == (
            "anthropic",
            "claude-sonnet-4-5",
            None,
        )
        assert (smart.timeout_s, smart.max_retries, smart.fallbacks) == (7, 5, ("cheap",))
        assert smart.price == DEFAULT_PRICES["claude-sonnet-4-5"]
        assert "sk-ant-x" not in repr(smart)
        assert (cheap.base_url, cheap.timeout_s, cheap.max_retries) == ("http://local/v1", 60, 2)

    @pytest.mark.parametrize(
        ("name", "qualified"),
        [
            ("claude-haiku-4-5", "anthropic:claude-haiku-4-5"),
            ("gpt-4o", "openai:gpt-4o"),
            ("openai:sim-small", "openai:sim-small"),
        ],
    )
    def test_unlisted_names_infer_their_provider(self, name: str, qualified: str) -> None:
        assert ModelRegistry(LLMSettings()).resolve(name).qualified == qualified

    def test_a_bare_name_without_a_base_url_names_no_provider(self) -> None:
        with pytest.raises(ModelNotFound, match="provider:model"):
            ModelRegistry(LLMSettings()).resolve("llama3")

    def test_unlisted_names_can_be_refused(self) -> None:
        registry = ModelRegistry(LLMSettings(allow_unlisted=False, models={}))
        with pytest.raises(ModelNotFound):
            registry.resolve("openai:gpt-4o")

    def test_unknown_providers_cannot_be_built(self) -> None:
        registry = ModelRegistry(LLMSettings())
        with pytest.raises(ModelNotFound, match="cannot be built"):
            registry.chat_model(registry.resolve("nosuchprovider:model"))

    def test_default_model_is_listed(self) -> None:
        settings = LLMSettings.model_validate({"models": {"a": {"model": "openai:x"}}})
        assert ModelRegistry(settings).listed() == ["a", "sim-small"]
        assert ModelRegistry(settings).resolve(None).name == "sim-small"


class TestPrices:
    def test_cost_in_nano_dollars_with_cached_input(self) -> None:
        price = Price(input=2.5, output=10, cached_input=1.25)
        tokens = TokenCounts(input=1_000, output=500, cached_input=400)
        # 600 × 2.5 + 400 × 1.25 + 500 × 10 = 7,000 dollars per million → 7,000,000 nanos/1000
        assert cost_nusd(price, tokens) == 7_000_000
        assert cost_nusd(None, tokens) == 0

    def test_overrides_win_over_the_default_table(self) -> None:
        override = Price(input=9, output=9)
        assert price_for("openai:gpt-4o", {"gpt-4o": override}) == override
        assert price_for("openai:gpt-4o", {}) == DEFAULT_PRICES["gpt-4o"]
        assert price_for("acme:unknown", {}) is None


class TestRetryAfter:
    def test_milliseconds_seconds_and_http_dates(self) -> None:
        later = email.utils.formatdate(time.time() + 30, usegmt=True)
        assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
        assert retry_after({"retry-after": "3"}) == 3
        assert 25 < (retry_after({"retry-after": later}) or 0) <= 30
        assert retry_after({"retry-after": "soon"}) is None
        assert retry_after({}) is None
