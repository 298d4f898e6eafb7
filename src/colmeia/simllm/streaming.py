"""Server-sent events in OpenAI's `chat.completion.chunk` format, paced like a real model.

The sequence is the one OpenAI sends and LangChain's `ChatOpenAI` reassembles: a first delta with
the role (and, for a tool call, the call's id and name with empty arguments), one delta per token
of content or of the arguments, an empty delta carrying `finish_reason`, then, when
`stream_options.include_usage` is set, a chunk with no choices and the usage (every earlier chunk
then carries `"usage": null`), and finally `data: [DONE]`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import JsonValue

from colmeia.simllm import tokens
from colmeia.simllm.completion import SYSTEM_FINGERPRINT, Completion, tool_call_body
from colmeia.simllm.faults import SimulatedDrop
from colmeia.simllm.schemas import JsonObject
from colmeia.simllm.tools import PlannedCall

DONE = "data: [DONE]\n\n"


@dataclass(frozen=True)
class Pacing:
    """Latency of a simulated answer, in seconds."""

    ttft_s: float = 0
    token_s: float = 0

    def total(self, completion_tokens: int) -> float:
        """The wall time a non-streamed answer of this many tokens takes."""
        return self.ttft_s + self.token_s * max(completion_tokens - 1, 0)


async def events(
    completion: Completion, pacing: Pacing, *, include_usage: bool, drop: bool
) -> AsyncIterator[str]:
    """SSE lines for `completion`; with `drop`, stop halfway by raising `SimulatedDrop`."""
    deltas = _deltas(completion)
    cut = max(len(deltas) // 2, 1) if drop else None
    if pacing.ttft_s:
        await asyncio.sleep(pacing.ttft_s)
    for index, delta in enumerate(deltas):
        if index == cut:
            raise SimulatedDrop(f"stream of {completion.id} dropped after {cut} chunks")
        if index > 1 and pacing.token_s:
            await asyncio.sleep(pacing.token_s)
        yield _encode(_chunk(completion, delta, None, include_usage))
    yield _encode(_chunk(completion, {}, completion.finish_reason, include_usage))
    if include_usage:
        yield _encode({**_envelope(completion), "choices": [], "usage": completion.usage})
    yield DONE


def _deltas(completion: Completion) -> list[JsonObject]:
    if completion.tool_calls:
        return _tool_call_deltas(completion.tool_calls)
    first: JsonObject = {"role": "assistant", "content": "", "refusal": None}
    return [first] + [{"content": piece} for piece in tokens.split(completion.content or "")]


def _tool_call_deltas(calls: tuple[PlannedCall, ...]) -> list[JsonObject]:
    """Each call opens with its id and name, then streams its arguments, as OpenAI sends them."""
    deltas: list[JsonObject] = []
    for index, call in enumerate(calls):
        opening: JsonObject = {**tool_call_body(call, arguments=""), "index": index}
        head: JsonObject = {"tool_calls": [opening]}
        deltas.append({"role": "assistant", "content": None, **head} if index == 0 else head)
        deltas.extend(
            {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            for piece in tokens.split(call.arguments)
        )
    return deltas


def _envelope(completion: Completion) -> JsonObject:
    return {
        "id": completion.id,
        "object": "chat.completion.chunk",
        "created": completion.created,
        "model": completion.model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


def _chunk(
    completion: Completion, delta: JsonObject, finish_reason: str | None, include_usage: bool
) -> JsonObject:
    choice: JsonObject = {
        "index": 0,
        "delta": delta,
        "logprobs": None,
        "finish_reason": finish_reason,
    }
    chunk: JsonObject = {**_envelope(completion), "choices": [choice]}
    if include_usage:
        chunk["usage"] = None
    return chunk


def _encode(payload: JsonValue) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'), ensure_ascii=False)}\n\n"
