"""Small builders shared by the cache tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from colmeia.cache.scope import CacheScope, scope_request

ANSWER = {"message": {"role": "assistant", "content": "42"}, "finish_reason": "stop"}


def scoped(
    prompt: str,
    *,
    tenant: str = "tenant-a",
    model: str = "sim-small",
    system: str | None = "You are helpful.",
    history: Sequence[Mapping[str, object]] = (),
    params: Mapping[str, object] | None = None,
    shared: bool = False,
) -> tuple[CacheScope, str]:
    messages: list[Mapping[str, object]] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.extend(history)
    messages.append({"role": "user", "content": prompt})
    result = scope_request(
        tenant=tenant,
        model=model,
        messages=messages,
        params=params if params is not None else {"temperature": 0},
        shared=shared,
    )
    assert result is not None
    return result.scope, result.prompt
