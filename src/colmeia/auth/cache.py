"""A short-lived, per-process memory of who a credential belongs to.

Resolving a credential costs a database read (and, for keys, a conditional write of
``last_used_at``) on every request; at hundreds of requests per second that is most of an
authenticated request's overhead and, on SQLite, contention for the single writer. Remembering
the answer for a few seconds removes both. Revocations, role changes and logouts clear this
replica's memory as soon as they commit (`forget_principals`); other replicas forget within the
TTL, inside the 60 s the security contract allows. Only successful resolutions are remembered:
an unknown credential is looked up every time (and rate-limited per IP like any anonymous call).
"""

from __future__ import annotations

import hashlib

from cachetools import TTLCache

from colmeia.auth.principal import Principal

DEFAULT_CAPACITY = 10_000


def fingerprint(credential: str) -> str:
    """The key the memory is indexed by: a digest, so no credential sits in memory twice."""
    return hashlib.sha256(credential.encode()).hexdigest()


class PrincipalCache:
    def __init__(self, ttl_s: float, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: TTLCache[str, Principal] | None = (
            TTLCache(maxsize=capacity, ttl=ttl_s) if ttl_s > 0 else None
        )

    def get(self, credential: str) -> Principal | None:
        if self._entries is None:
            return None
        return self._entries.get(fingerprint(credential))

    def put(self, credential: str, principal: Principal) -> None:
        if self._entries is not None:
            self._entries[fingerprint(credential)] = principal

    def clear(self) -> None:
        if self._entries is not None:
            self._entries.clear()
