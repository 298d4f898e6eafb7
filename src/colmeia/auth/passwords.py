"""Password hashing with argon2 (pwdlib), run off the event loop.

Login must not reveal which emails exist: an unknown email still pays for one argon2
verification, against a fixed dummy hash with the same parameters.
"""

from __future__ import annotations

import asyncio
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


@cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


@cache
def _dummy_hash() -> str:
    return _hasher().hash("colmeia-timing-equaliser")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


async def verify_password(password: str, stored_hash: str | None) -> bool:
    """True when ``password`` matches; with no stored hash, burn the same time and say False."""
    if stored_hash is None:
        await asyncio.to_thread(_hasher().verify, password, _dummy_hash())
        return False
    try:
        return await asyncio.to_thread(_hasher().verify, password, stored_hash)
    except ValueError:  # a malformed stored hash is a failed login, not a 500
        return False
