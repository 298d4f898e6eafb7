"""OpenAI chat JSON ⇄ LangChain messages, with LangChain's own converters where they exist."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, convert_to_messages

from colmeia.errors import BadRequest

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
}
"""Anthropic's stop reasons in OpenAI's words; OpenAI-compatible ones pass unchanged."""

JsonDict = dict[str, Any]
"""Any: an OpenAI JSON object."""


def to_messages(raw: list[JsonDict]) -> list[BaseMessage]:
    """LangChain messages for OpenAI chat messages; a 400 naming the problem otherwise."""
    try:
        return convert_to_messages(raw)
    except Exception as error:  # any failure to read caller-supplied messages is a 400
        raise BadRequest(
            f"invalid messages: {error}"[:300], details={"param": "messages"}
        ) from None


def text_of(content: object) -> str:
    """Text of a message's content (a string, or a provider's list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [b if isinstance(b, str) else b.get("text", "") for b in content]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


def finish_reason(message: AIMessage) -> str:
    reason = message.response_metadata.get("finish_reason") or message.response_metadata.get(
        "stop_reason"
    )
    if isinstance(reason, str):
        return FINISH_REASONS.get(reason, reason)
    return "tool_calls" if message.tool_calls else "stop"


def usage_of(message: AIMessage) -> JsonDict:
    usage = message.usage_metadata or {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    body: JsonDict = {
        "prompt_tokens": usage["input_tokens"],
        "completion_tokens": usage["output_tokens"],
        "total_tokens": usage["input_tokens"] + usage["output_tokens"],
    }
    cached = (usage.get("input_token_details") or {}).get("cache_read")
    if cached:
        body["prompt_tokens_details"] = {"cached_tokens": cached}
    return body


def message_body(message: AIMessage) -> JsonDict:
    body: JsonDict = {"role": "assistant", "content": text_of(message.content), "refusal": None}
    if message.tool_calls:
        body["content"] = body["content"] or None
        body["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
            }
            for call in message.tool_calls
        ]
    return body


def chunk_delta(chunk: AIMessageChunk, first: bool) -> JsonDict:
    """The ``delta`` of one stream chunk: text, and tool-call pieces with their index."""
    delta: JsonDict = {"role": "assistant"} if first else {}
    text = text_of(chunk.content)
    if text or first:
        delta["content"] = text
    calls = []
    for position, piece in enumerate(chunk.tool_call_chunks):
        call: JsonDict = {"index": piece.get("index") or position}
        if piece.get("id"):
            call["id"] = piece["id"]
            call["type"] = "function"
        function: JsonDict = {"arguments": piece.get("args") or ""}
        if piece.get("name"):
            function["name"] = piece["name"]
        call["function"] = function
        calls.append(call)
    if calls:
        delta["tool_calls"] = calls
    return delta


def envelope(kind: str, model: str) -> JsonDict:
    """The fields every ``chat.completion`` / ``chat.completion.chunk`` object starts with."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
    }


def sse(payload: object) -> str:
    """One server-sent event carrying ``payload`` as compact JSON."""
    return f"data: {json.dumps(payload, separators=(',', ':'), ensure_ascii=False)}\n\n"
