"""Deterministic answer text of the simulated model.

Answers are built from templates chosen by a hash of the conversation and filled with the last
user message's content words, so the same messages always give the same answer and the answer
visibly refers to the question. After tool results the answer quotes them verbatim, which lets
tests check that an agent fed the tool output back to the model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from colmeia.simllm import words
from colmeia.simllm.schema_fill import SchemaFiller
from colmeia.simllm.schemas import ChatMessage, ResponseFormat

_OPENERS = (
    "Here is a short answer about {topic}.",
    "You asked about {topic}.",
    "Good question on {topic}.",
    "Regarding {topic}, here is what matters.",
)
_BODIES = (
    "The key point is that {main} depends on the context you give it.",
    "In short, {main} works best when it is kept simple and measured.",
    "A practical first step is to try {main} on a small example.",
    "Most teams approach {main} by starting small and iterating.",
    "The details of {main} matter less than a clear goal.",
)
_GREETING = "Hello! I am the Colmeia simulated model. Ask me anything."
_QUOTE_LIMIT = 2000


def digest(messages: Sequence[ChatMessage]) -> str:
    """A stable hash of the conversation; everything the simulator derives is keyed on it."""
    canonical = json.dumps(
        [message.model_dump(mode="json", exclude_none=True) for message in messages],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def last_user_text(messages: Sequence[ChatMessage]) -> str:
    """The text of the most recent user message, or "" when there is none."""
    return next((m.text for m in reversed(messages) if m.role == "user"), "")


def answer(messages: Sequence[ChatMessage], conversation: str) -> str:
    """A short prose answer to the last user message that echoes its key words."""
    found = words.keywords(last_user_text(messages))
    if not found:
        return _GREETING
    seed = int(conversation[:8], 16)
    topic = _join(found[:4])
    main = found[0]
    count = len(_BODIES)
    first = seed % count
    second = (first + 1 + (seed // count) % (count - 1)) % count  # never equal to `first`
    return " ".join(
        [
            _OPENERS[seed % len(_OPENERS)].format(topic=topic),
            _BODIES[first].format(main=main),
            _BODIES[second].format(main=main),
        ]
    )


def answer_from_tools(messages: Sequence[ChatMessage]) -> str:
    """A final answer quoting each trailing tool result, attributed to the tool that produced it."""
    results: list[ChatMessage] = []
    for message in reversed(messages):
        if message.role not in ("tool", "function"):
            break
        results.append(message)
    names = _tool_names(messages)
    quotes = [
        f'The {names.get(m.tool_call_id or "", m.name or "tool")} tool returned: "{_clip(m.text)}".'
        for m in reversed(results)
    ]
    found = words.keywords(last_user_text(messages))
    closing = f"That answers your question about {_join(found[:4])}." if found else "Done."
    return " ".join([*quotes, closing])


def json_answer(
    messages: Sequence[ChatMessage], response_format: ResponseFormat, conversation: str
) -> str:
    """A JSON document answering the last user message, valid against the requested schema."""
    spec = response_format.json_schema
    if response_format.type != "json_schema" or spec is None or not spec.schema_:
        return json.dumps({"answer": answer(messages, conversation)})
    text = last_user_text(messages)
    value = SchemaFiller(text, words.keywords(text), spec.schema_).fill(spec.schema_)
    return json.dumps(value, ensure_ascii=False)


def _tool_names(messages: Sequence[ChatMessage]) -> dict[str, str]:
    return {
        call.id: call.function.name for message in messages for call in message.tool_calls or ()
    }


def _join(found: Sequence[str]) -> str:
    if len(found) < 2:
        return "".join(found)
    return f"{', '.join(found[:-1])} and {found[-1]}"


def _clip(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "…"
