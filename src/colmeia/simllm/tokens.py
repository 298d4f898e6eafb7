"""Offline, deterministic token estimate.

Real tokenizers (tiktoken) download their encodings on first use, which a simulator shipped for
offline tests cannot afford. The estimate only has to be stable and roughly proportional to text
length: a word of up to six characters or a punctuation mark is one token, longer words are cut
every six characters. `split` and `estimate` agree, so the number of streamed content pieces
equals `completion_tokens`.
"""

from __future__ import annotations

import re

_PIECE = re.compile(r"\s*(?:[^\W_]{1,6}|_|[^\w\s])|\s+$")

MESSAGE_OVERHEAD = 4
"""Tokens charged per chat message for role and separators (the same order as OpenAI's)."""

REPLY_PRIMER = 3
"""Tokens charged once per request for priming the assistant reply."""


def split(text: str) -> list[str]:
    """Cut text into token-sized pieces whose concatenation is exactly `text`."""
    pieces = _PIECE.findall(text)
    if "".join(pieces) != text:  # defensive: any unmatched character becomes its own piece
        return list(text)
    return pieces


def estimate(text: str) -> int:
    """Number of tokens in `text` under the simulator's tokenizer."""
    return len(split(text))


def truncate(text: str, max_tokens: int) -> str:
    """The first `max_tokens` tokens of `text`."""
    return "".join(split(text)[:max_tokens])
