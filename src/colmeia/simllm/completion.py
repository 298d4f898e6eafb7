"""What the simulated model answers to a chat request, and the non-streamed response body.

This is the model's "service" layer: it decides between a tool call and prose, applies the token
limit and counts usage. The HTTP layer only chooses how to deliver the result (JSON or SSE).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Literal

from colmeia.simllm import responder, tokens, tools
from colmeia.simllm.schemas import ChatCompletionRequest, JsonObject, NamedToolChoice

FinishReason = Literal["stop", "length", "tool_calls"]
SYSTEM_FINGERPRINT = "fp_colmeia_sim"


@dataclass(frozen=True)
class Completion:
    """The model's answer: either `content` or `tool_calls` is set."""

    content: str | None
    tool_calls: tuple[tools.PlannedCall, ...]
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    model: str
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex}")
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def usage(self) -> JsonObject:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


def complete(request: ChatCompletionRequest) -> Completion:
    """Answer `request` deterministically: the same messages give the same content or call."""
    conversation = responder.digest(request.messages)
    prompt_tokens = count_prompt_tokens(request)
    calls = _calls_for(request, conversation)
    if calls:
        return Completion(
            content=None,
            tool_calls=calls,
            finish_reason="tool_calls",
            prompt_tokens=prompt_tokens,
            completion_tokens=sum(
                tokens.estimate(call.name) + tokens.estimate(call.arguments) for call in calls
            ),
            model=request.model,
        )
    text = _text_for(request, conversation)
    finish: FinishReason = "stop"
    limit = request.token_limit
    if limit is not None and tokens.estimate(text) > limit:
        text, finish = tokens.truncate(text, limit), "length"
    return Completion(
        content=text,
        tool_calls=(),
        finish_reason=finish,
        prompt_tokens=prompt_tokens,
        completion_tokens=tokens.estimate(text),
        model=request.model,
    )


def count_prompt_tokens(request: ChatCompletionRequest) -> int:
    """Prompt tokens: message texts and names, a per-message overhead, and the tool schemas."""
    total = tokens.REPLY_PRIMER
    for message in request.messages:
        total += tokens.MESSAGE_OVERHEAD + tokens.estimate(message.text)
        total += tokens.estimate(message.name or "")
        for call in message.tool_calls or ():
            total += tokens.estimate(call.function.name) + tokens.estimate(call.function.arguments)
    if request.tools:
        schemas = [tool.model_dump(mode="json", exclude_none=True) for tool in request.tools]
        total += tokens.estimate(json.dumps(schemas))
    return total


def to_body(completion: Completion) -> JsonObject:
    """The `chat.completion` object OpenAI returns for a non-streamed request."""
    message: JsonObject = {"role": "assistant", "content": completion.content, "refusal": None}
    if completion.tool_calls:
        message["tool_calls"] = [tool_call_body(call) for call in completion.tool_calls]
    return {
        "id": completion.id,
        "object": "chat.completion",
        "created": completion.created,
        "model": completion.model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": completion.finish_reason,
            }
        ],
        "usage": completion.usage,
    }


def tool_call_body(call: tools.PlannedCall, arguments: str | None = None) -> JsonObject:
    """One entry of `tool_calls`; `arguments` overrides the full arguments (for stream deltas)."""
    return {
        "id": call.id,
        "type": "function",
        "function": {
            "name": call.name,
            "arguments": call.arguments if arguments is None else arguments,
        },
    }


def _calls_for(request: ChatCompletionRequest, conversation: str) -> tuple[tools.PlannedCall, ...]:
    # "auto" calls a tool only in reply to a user turn, so an agent loop ends after a tool result;
    # "required" and a named function force a call whatever the last turn was, as OpenAI does.
    if not request.tools:
        return ()
    forced = request.tool_choice == "required" or isinstance(request.tool_choice, NamedToolChoice)
    if request.messages[-1].role != "user" and not forced:
        return ()
    text = responder.last_user_text(request.messages)
    parallel = request.parallel_tool_calls is not False and not isinstance(
        request.tool_choice, NamedToolChoice
    )
    return tools.plan_calls(request.tools, request.tool_choice, text, conversation, parallel)


def _text_for(request: ChatCompletionRequest, conversation: str) -> str:
    if request.messages[-1].role in ("tool", "function"):
        return responder.answer_from_tools(request.messages)
    response_format = request.response_format
    if response_format is not None and response_format.type != "text":
        return responder.json_answer(request.messages, response_format, conversation)
    return responder.answer(request.messages, conversation)
