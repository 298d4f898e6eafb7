"""The cache wired into the gateway, driven through ``/v1/chat/completions`` with the official
``openai`` SDK: real HTTP, real Redis, the simulated LLM upstream, the usage API for costs."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from colmeia.config import CacheSettings, RedisSettings, Settings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.models import Role
from tests.fixtures.live import live_api, wait_for
from tests.fixtures.principals import Credential, create_credential
from tests.openai_compat.conftest import configure, sim_url

__all__ = ["sim_url"]

SYSTEM = {"role": "system", "content": "You answer questions about the sales ledger."}
QUESTION = "What was the total revenue in March 2024?"
TYPO = "What was the totl revenue in March 2024?"
OTHER = "How do I reset my password?"
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_invoice",
        "description": "Find an invoice by number.",
        "parameters": {"type": "object", "properties": {"number": {"type": "string"}}},
    },
}


def ask(text: str, *earlier: dict[str, str], system: dict[str, str] = SYSTEM) -> list[Any]:
    return [system, *earlier, {"role": "user", "content": text}]


@dataclass
class Served:
    base: str
    admin: Credential
    """An admin of tenant A (reads the cache stats and usage)."""
    other: Credential
    """A user of tenant B."""

    def client(self, credential: Credential | None = None) -> openai.OpenAI:
        key = (credential or self.admin).key
        return openai.OpenAI(base_url=f"{self.base}/v1", api_key=key, max_retries=0)

    def chat(
        self, messages: list[Any], credential: Credential | None = None, **kwargs: Any
    ) -> tuple[str, str, str | None]:
        """(the cache header, the answer, the entry header) of one temperature-0 call."""
        kwargs.setdefault("temperature", 0)
        with self.client(credential) as client:
            raw = client.chat.completions.with_raw_response.create(
                model="fast", messages=messages, **kwargs
            )
        answer = raw.parse().choices[0].message.content or ""
        return raw.headers["x-colmeia-cache"], answer, raw.headers.get("x-colmeia-cache-entry")

    def admin_get(self, path: str, **params: Any) -> Any:
        response = httpx.get(
            f"{self.base}{path}", headers={"x-api-key": self.admin.key}, params=params
        )
        assert response.status_code == 200, response.text
        return response.json()

    def admin_post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{self.base}{path}", headers={"x-api-key": self.admin.key}, json=body)


def cached_settings(settings: Settings, sim: str, **cache: Any) -> Settings:
    prefix = f"test-cache:{uuid.uuid4().hex[:10]}"
    configured = configure(settings, sim)
    section = CacheSettings(prefix=prefix, **cache)
    return configured.model_copy(update={"cache": section})


@contextmanager
def served(configured: Settings) -> Iterator[Served]:
    admin = create_credential(configured, Role.admin)
    other = create_credential(configured)
    with live_api(configured) as base:
        ready = Served(base, admin, other)
        assert wait_for(lambda: ready.admin_get("/admin/cache/stats")["status"] == "ready", 60)
        yield ready


@pytest.fixture
def api(settings: Settings, sim_url: str) -> Iterator[Served]:
    with served(cached_settings(settings, sim_url, capacity_per_tenant=4)) as ready:
        yield ready


class TestTenants:
    def test_identical_and_paraphrased_prompts_never_cross_tenants(self, api: Served) -> None:
        first, answer, stored = api.chat(ask(QUESTION))
        again, same, entry = api.chat(ask(QUESTION))
        paraphrase, similar, _ = api.chat(ask(TYPO))
        assert first == "miss"
        assert again == "hit; tier=exact; score=1.000"
        assert same == answer
        assert stored is not None
        assert entry == stored, "the entry id allows a wrong-answer report"
        assert paraphrase.startswith("hit; tier=semantic; score=0.")
        assert similar == answer
        probe = {"extra_body": {"cache": {"no_store": True}}}
        for prompt in (QUESTION, TYPO):
            header, _, _ = api.chat(ask(prompt), api.other, **probe)
            assert header == "miss", "tenant B must never see tenant A's answers"
        assert api.chat(ask(QUESTION), api.other)[0] == "miss"
        assert api.chat(ask(TYPO), api.other)[0].startswith("hit"), "tenant B's own answer"
        stats = api.admin_get("/admin/cache/stats")
        assert (stats["hits_exact"], stats["hits_semantic"], stats["misses"]) == (1, 1, 1)
        assert stats["hit_rate_exact"] == stats["hit_rate_semantic"] == pytest.approx(1 / 3)
        assert stats["entries"] == 1


class TestScope:
    def test_every_scope_change_misses(self, api: Served) -> None:
        assert api.chat(ask(QUESTION))[0] == "miss"
        earlier = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
        other_system = {"role": "system", "content": "You answer questions about payroll."}
        changes: dict[str, tuple[list[Any], dict[str, Any]]] = {
            "system prompt": (ask(QUESTION, system=other_system), {}),
            "earlier turns": (ask(QUESTION, *earlier), {}),
            "max_tokens": (ask(QUESTION), {"max_tokens": 50}),
            "seed": (ask(QUESTION), {"seed": 7}),
            "tools": (ask(QUESTION), {"tools": [TOOL], "tool_choice": "none"}),
            "response_format": (ask(QUESTION), {"response_format": {"type": "json_object"}}),
        }
        for change, (messages, params) in changes.items():
            header, _, _ = api.chat(messages, extra_body={"cache": {"no_store": True}}, **params)
            assert header == "miss", f"a different {change} must not hit"
        assert api.chat(ask(QUESTION))[0].startswith("hit; tier=exact")


class TestPolicy:
    def test_only_deterministic_calls_unless_enabled(self, api: Served) -> None:
        warm = {"temperature": 0.7}
        assert api.chat(ask(QUESTION), **warm)[0] == "bypass; reason=not-deterministic"
        assert api.chat(ask(QUESTION))[0] == "miss", "the warm call stored nothing"
        enabled = {"extra_body": {"cache": {"enabled": True}}}
        assert api.chat(ask(OTHER), **warm, **enabled)[0] == "miss"
        assert api.chat(ask(OTHER), **warm, **enabled)[0].startswith("hit")

    def test_no_cache_and_no_store_controls(self, api: Served) -> None:
        no_store = {"extra_headers": {"x-colmeia-cache": "no-store"}}
        assert api.chat(ask(QUESTION), **no_store)[0] == "miss"
        assert api.chat(ask(QUESTION))[0] == "miss", "no-store stored nothing"
        assert api.chat(ask(QUESTION))[0].startswith("hit")
        no_cache = {"extra_headers": {"cache-control": "no-cache"}}
        assert api.chat(ask(QUESTION), **no_cache)[0] == "bypass; reason=no-cache"

    def test_bad_control_is_a_400_in_openai_envelope(self, api: Served) -> None:
        with api.client() as client, pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(
                model="fast", messages=ask(QUESTION), extra_body={"cache": {"ttl": "soon"}}
            )
        assert caught.value.code == "invalid_cache_control"

    def test_tool_call_turns_are_never_stored(self, api: Served) -> None:
        messages = ask("Find invoice number 1234 with lookup_invoice")
        for _ in range(2):
            header, _, entry = api.chat(messages, tools=[TOOL], tool_choice="required")
            assert (header, entry) == ("miss", None)


class TestLifetime:
    def test_absolute_ttl(self, api: Served) -> None:
        short = {"extra_body": {"cache": {"ttl": 1}}}
        assert api.chat(ask(QUESTION), **short)[0] == "miss"
        assert api.chat(ask(QUESTION))[0].startswith("hit")
        time.sleep(1.2)
        assert api.chat(ask(QUESTION))[0] == "miss", "expired, and hits never extend the ttl"

    def test_capacity_evicts_least_recently_used(self, api: Served) -> None:
        prompts = [f"What is the shipping status of order {n}?" for n in range(5)]
        for prompt in prompts:
            api.chat(ask(prompt))
        stats = api.admin_get("/admin/cache/stats")
        assert (stats["entries"], stats["evictions"]) == (4, 1)
        assert api.chat(ask(prompts[0]))[0] == "miss"
        assert api.chat(ask(prompts[4]))[0].startswith("hit")

    def test_tag_invalidation_and_wrong_answer_report(self, api: Served) -> None:
        tagged = {"extra_headers": {"x-colmeia-cache-tags": "ledger"}}
        api.chat(ask(QUESTION), **tagged)
        _, _, other_entry = api.chat(ask(OTHER))
        purged = api.admin_post("/admin/cache/purge", {"tag": "ledger"})
        assert purged.json() == {"deleted": 1}
        assert api.chat(ask(QUESTION), extra_body={"cache": {"no_store": True}})[0] == "miss"
        assert api.chat(ask(OTHER))[0].startswith("hit")
        assert other_entry is not None
        report = api.admin_post("/admin/cache/reports", {"entry_id": other_entry})
        assert report.status_code == 200
        assert api.chat(ask(OTHER))[0] == "miss", "a reported answer is never served again"


class TestStreaming:
    def test_streamed_answers_say_hit_or_miss_too(self, api: Served) -> None:
        def stream() -> tuple[str, str]:
            with api.client() as client:
                raw = client.chat.completions.with_raw_response.create(
                    model="fast", messages=ask(QUESTION), temperature=0, stream=True
                )
                text = "".join(c.choices[0].delta.content or "" for c in raw.parse() if c.choices)
            return raw.headers["x-colmeia-cache"], text

        first, streamed = stream()
        again, replayed = stream()
        assert first == "miss"
        assert again == "hit; tier=exact; score=1.000"
        assert replayed == streamed
        assert api.chat(ask(QUESTION))[1] == streamed

    def test_cut_streams_are_never_stored(self, api: Served) -> None:
        def stream() -> str:
            with api.client() as client:
                raw = client.chat.completions.with_raw_response.create(
                    model="dropping", messages=ask(QUESTION), temperature=0, stream=True
                )
                with pytest.raises(openai.APIError):
                    for _ in raw.parse():
                        pass
            return raw.headers["x-colmeia-cache"]

        assert stream() == "miss"
        assert stream() == "miss", "the dropped stream was not stored"


class TestCost:
    def test_hits_cost_nothing_and_count_as_saved(self, api: Served) -> None:
        api.chat(ask(QUESTION))
        api.chat(ask(QUESTION))

        def totals() -> dict[str, Any]:
            found: dict[str, Any] = api.admin_get("/usage")["totals"]
            return found

        assert wait_for(lambda: totals()["calls"] == 2)
        usage = totals()
        assert usage["cache_hits"] == 1
        assert usage["saved_usd"] > 0
        assert usage["saved_usd"] == pytest.approx(usage["cost_usd"]), (
            "the hit cost nothing and saved exactly what the miss cost"
        )
        stats = api.admin_get("/admin/cache/stats")
        assert stats["saved_completion_tokens"] > 0
        assert stats["saved_cost_usd"] == pytest.approx(usage["saved_usd"])


class TestReplicas:
    def test_a_second_replica_sees_entries(self, settings: Settings, sim_url: str) -> None:
        configured = cached_settings(settings, sim_url, vector_backend="memory")
        with served(configured) as first:
            first.chat(ask(QUESTION))
            with live_api(configured) as second_base:
                second = Served(second_base, first.admin, first.other)
                assert wait_for(lambda: second.admin_get("/admin/cache/stats")["status"] == "ready")
                assert second.chat(ask(QUESTION))[0].startswith("hit; tier=exact")
                assert second.chat(ask(TYPO))[0].startswith("hit; tier=semantic")
                second.chat(ask(OTHER))
            assert first.chat(ask(OTHER))[0].startswith("hit")


class TestRedisDown:
    def test_requests_are_served_without_the_cache(
        self, settings: Settings, sim_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        with EmbeddedRedis(tmp_path / "redis", load_falkordb=False) as redis:
            configured = cached_settings(settings, sim_url)
            configured = configured.model_copy(update={"redis": RedisSettings(url=redis.url)})
            with served(configured) as api:
                api.chat(ask(QUESTION))
                assert api.chat(ask(QUESTION))[0].startswith("hit")
                redis.stop()
                with caplog.at_level(logging.WARNING, logger="colmeia.cache"):
                    header, answer, _ = api.chat(ask(QUESTION))
                assert header == "miss"
                assert answer
        lines = [r.getMessage() for r in caplog.records if r.name.startswith("colmeia.cache")]
        assert any("semantic cache bypassed: Redis unreachable" in line for line in lines)
