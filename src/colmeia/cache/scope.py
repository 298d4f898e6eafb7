"""The scope of a cached answer: everything besides the last user message that shapes it.

Scope is a hard partition (DESIGN §4): its hash names separate Redis keys and a separate vector
set, so a lookup can only ever see entries of its own scope — never a prefix mixed into the
embedded text, never a filter that a bug could drop. The tenant is part of the hash *and* is
stored in each entry and compared on read.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

SHARED_TENANT = "*shared*"
"""The tenant label of agents marked shared: their answers are visible to every tenant."""

IGNORED_PARAMS = frozenset({"stream", "stream_options", "user", "metadata", "store", "cache"})
"""Request fields that do not change the answer (transport, attribution, cache controls)."""

Message = Mapping[str, object]
# Any: JSON values (generation parameters) are arbitrary nested JSON.


def digest(value: object) -> str:
    """A stable hash of a JSON-serialisable value (key order and whitespace do not matter)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def normalise(text: str) -> str:
    """The exact tier's form of a prompt: NFKC, lower-case, collapsed whitespace, no trailing
    punctuation. Conservative on purpose: anything that could change meaning is kept."""
    text = unicodedata.normalize("NFKC", text).lower().strip()
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(" ?!.")


@dataclass(frozen=True, slots=True)
class CacheScope:
    tenant: str
    """The tenant id, or `SHARED_TENANT` for an agent marked shared."""
    model: str
    params_hash: str
    system_hash: str
    tools_hash: str
    history_hash: str
    key: str = field(init=False)

    def __post_init__(self) -> None:
        parts = (self.tenant, self.model, self.params_hash, self.system_hash)
        object.__setattr__(self, "key", digest([*parts, self.tools_hash, self.history_hash]))


@dataclass(frozen=True, slots=True)
class ScopedPrompt:
    scope: CacheScope
    prompt: str
    """The last user message: the only part looked up by meaning."""


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        parts = [p.get("text", "") for p in content if isinstance(p, Mapping)]
        return "\n".join(str(p) for p in parts)
    return "" if content is None else str(content)


def scope_request(
    *,
    tenant: str,
    model: str,
    messages: Sequence[Message],
    params: Mapping[str, object],
    shared: bool = False,
) -> ScopedPrompt | None:
    """Split an OpenAI-style request into its scope and the prompt to look up.

    Returns None when the request has no user message to key on (nothing is cached).
    ``params`` holds generation parameters and ``tools``; transport fields are ignored.
    """
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    if last_user is None:
        return None
    system = [_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer")]
    history = [
        {k: m.get(k) for k in ("role", "content", "tool_calls", "tool_call_id", "name")}
        for i, m in enumerate(messages)
        if i != last_user and m.get("role") not in ("system", "developer")
    ]
    generation = {k: v for k, v in params.items() if k not in IGNORED_PARAMS and k != "tools"}
    scope = CacheScope(
        tenant=SHARED_TENANT if shared else tenant,
        model=model,
        params_hash=digest(generation),
        system_hash=digest(system),
        tools_hash=digest(params.get("tools") or []),
        history_hash=digest(history),
    )
    return ScopedPrompt(scope, _text(messages[last_user].get("content")))
