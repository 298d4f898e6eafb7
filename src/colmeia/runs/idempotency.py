"""The ``Idempotency-Key`` of a run-creating request, and the fingerprint of its body.

A client that retries a create (timeout, dropped connection) with the same key gets the run the
first request made, never a second one; the same key with a different request is refused, as
Stripe and the IETF ``Idempotency-Key`` draft do. The fingerprint is a SHA-256 of the parsed
request (so JSON key order and whitespace do not matter) plus the thread it targets.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Idempotency:
    key: str
    request_hash: str

    @classmethod
    def of(cls, key: str, thread_id: uuid.UUID | None, body: BaseModel) -> Idempotency:
        canonical = json.dumps(
            {
                "thread_id": str(thread_id) if thread_id else None,
                "body": body.model_dump(mode="json"),
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return cls(key, hashlib.sha256(canonical.encode()).hexdigest())
