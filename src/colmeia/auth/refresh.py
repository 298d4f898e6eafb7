"""Refresh-token material: 256 random bits, stored as a keyed hash like API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

REFRESH_SCHEME = "crt_"


def new_refresh_token() -> str:
    return REFRESH_SCHEME + secrets.token_urlsafe(32)


def hash_refresh_token(token: str, pepper: bytes) -> str:
    return hmac.new(pepper, b"refresh:" + token.encode(), hashlib.sha256).hexdigest()


def looks_like_refresh_token(value: str) -> bool:
    return value.startswith(REFRESH_SCHEME) and 20 <= len(value) <= 128
