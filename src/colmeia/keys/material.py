"""The key format and its hash.

A key is ``cmk_<prefix>_<secret>`` with 256 bits of randomness. Because the secret is random
and long, a slow password hash adds no protection and would cost tens of milliseconds per
request; an HMAC-SHA256 keyed with the server secret (stdlib ``hmac``) is the standard choice
for such tokens: a leaked table cannot be checked offline without the server secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from colmeia.errors import BadRequest

KEY_SCHEME = "cmk"


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """A freshly generated key: ``plaintext`` is shown once and never stored."""

    plaintext: str
    prefix: str
    key_hash: str


def hash_key(plaintext: str, pepper: bytes) -> str:
    return hmac.new(pepper, plaintext.encode(), hashlib.sha256).hexdigest()


def looks_like_key(value: str) -> bool:
    """Cheap shape check so JWTs and junk never reach the database lookup."""
    parts = value.split("_", 2)
    return (
        len(parts) == 3
        and parts[0] == KEY_SCHEME
        and 4 <= len(parts[1]) <= 16
        and 16 <= len(parts[2])
        and len(value) <= 128
    )


def generate_key(pepper: bytes, plaintext: str | None = None) -> KeyMaterial:
    """A new random key, or the material for ``plaintext`` when an operator seeds a known key."""
    if plaintext is None:
        plaintext = f"{KEY_SCHEME}_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
    if not looks_like_key(plaintext):
        raise BadRequest(f"an API key must look like {KEY_SCHEME}_<prefix>_<secret>")
    scheme, key_id, _secret = plaintext.split("_", 2)
    prefix = f"{scheme}_{key_id}"
    return KeyMaterial(plaintext=plaintext, prefix=prefix, key_hash=hash_key(plaintext, pepper))
