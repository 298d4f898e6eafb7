"""What may be cached, and the per-request controls."""

from __future__ import annotations

import pytest

from colmeia.cache.policy import (
    CacheControls,
    CachePolicy,
    InvalidCacheControl,
    merge,
    parse_body,
    parse_header,
    storable,
)

POLICY = CachePolicy(default_ttl_s=3600, max_ttl_s=7200)


class TestDecide:
    def test_only_deterministic_calls_by_default(self) -> None:
        assert POLICY.decide({"temperature": 0}).store
        assert not POLICY.decide({"temperature": 0.7}).lookup
        assert not POLICY.decide({}).lookup  # provider default temperature is not 0
        assert not POLICY.decide({"temperature": 0, "n": 3}).store

    def test_enabled_per_agent_or_request(self) -> None:
        assert POLICY.decide({"temperature": 1}, agent_enabled=True).lookup
        assert POLICY.decide({"temperature": 1}, CacheControls(enabled=True)).store
        assert not POLICY.decide({"temperature": 0}, CacheControls(enabled=False)).lookup

    def test_no_cache_no_store_and_ttl(self) -> None:
        decision = POLICY.decide({"temperature": 0}, parse_header("no-cache, ttl=60"))
        assert (decision.lookup, decision.store, decision.ttl_s) == (False, True, 60)
        decision = POLICY.decide({"temperature": 0}, parse_body({"cache": {"no_store": True}}))
        assert (decision.lookup, decision.store, decision.ttl_s) == (True, False, 3600)
        assert POLICY.decide({"temperature": 0}, CacheControls(ttl_s=10**6)).ttl_s == 7200


class TestControls:
    def test_header_and_body_merge(self) -> None:
        merged = merge(parse_header("ttl=30"), parse_body({"cache": {"no_cache": True, "ttl": 5}}))
        assert merged == CacheControls(no_cache=True, ttl_s=30)

    @pytest.mark.parametrize("header", ["ttl=abc", "ttl=-1", "forever"])
    def test_bad_header_is_a_400(self, header: str) -> None:
        with pytest.raises(InvalidCacheControl) as caught:
            parse_header(header)
        assert caught.value.status_code == 400

    def test_bad_body_is_a_400(self) -> None:
        with pytest.raises(InvalidCacheControl):
            parse_body({"cache": "yes"})


class TestStorable:
    def test_complete_answers_only(self) -> None:
        message = {"role": "assistant", "content": "hi"}
        assert storable({"message": message, "finish_reason": "stop"})[0]
        assert not storable({"message": message, "finish_reason": None})[0]  # cut stream
        assert not storable({"error": {"message": "boom"}})[0]
        calls = {**message, "tool_calls": [{"id": "c1", "type": "function"}]}
        assert not storable({"message": calls, "finish_reason": "tool_calls"})[0]
