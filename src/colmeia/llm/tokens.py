"""Offline token estimate, for budget reservations and for answers that carry no usage.

``tiktoken`` downloads its encodings on first use, which an offline install cannot do, so the
gateway never depends on it. The estimate is the usual ~4 characters per token for English
(OpenAI's own rule of thumb), rounded up per message, plus the per-message framing tokens of the
chat format. It errs high on purpose: a reservation that is too large is refunded at settle time,
one that is too small lets a budget overshoot.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from langchain_core.messages import BaseMessage

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4
REPLY_PRIMER = 3


def estimate_text(text: str) -> int:
    """Tokens in ``text`` (≥ 1 for any non-empty text)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_messages(messages: Sequence[BaseMessage], tools: object = None) -> int:
    """Prompt tokens of a chat request: each message's text and tool calls, framing, tools."""
    total = REPLY_PRIMER
    for message in messages:
        total += MESSAGE_OVERHEAD + estimate_text(message.text)
        for call in getattr(message, "tool_calls", None) or ():
            total += estimate_text(call["name"]) + estimate_text(json.dumps(call["args"]))
    if tools:
        total += estimate_text(json.dumps(tools, default=str))
    return total
