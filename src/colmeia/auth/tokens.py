"""JWT access tokens (PyJWT), verified against an explicit allow-list.

Only HS256 is accepted, with a key derived from the server secret; every token must carry
``exp``, ``iat``, ``aud``, ``iss``, ``sub``, ``sid`` and ``tid`` and a header with
nothing but ``alg`` and ``typ``. Anything else (``alg: none``, RS/HS key confusion, ``crit``,
``jku``/``kid`` tricks, oversized tokens) is refused before or by the signature check.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt

from colmeia.kit.time import utc_now

ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 2048
ALLOWED_HEADER_KEYS = frozenset({"alg", "typ"})
REQUIRED_CLAIMS = ["exp", "iat", "aud", "iss", "sub", "sid", "tid"]
LEEWAY_S = 5


class InvalidAccessToken(Exception):
    """The presented JWT is not one this server issued, or no longer valid."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    session_id: uuid.UUID


def looks_like_jwt(value: str) -> bool:
    """Cheap shape check: three base64url segments."""
    return value.count(".") == 2 and value.startswith("eyJ")


def signing_key(pepper: bytes) -> bytes:
    """A key for JWTs only, derived from the server secret (never the API-key pepper itself)."""
    return hmac.new(pepper, b"colmeia/jwt/v1", hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class TokenCodec:
    key: bytes
    issuer: str
    audience: str
    ttl: timedelta

    def issue(self, user_id: uuid.UUID, tenant_id: uuid.UUID, session_id: uuid.UUID) -> str:
        now = utc_now()
        claims = {
            "sub": str(user_id),
            "tid": str(tenant_id),
            "sid": str(session_id),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"typ": "JWT"})

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; `InvalidAccessToken` for anything else."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidAccessToken("token too large")
        try:
            header = jwt.get_unverified_header(token)
            if set(header) - ALLOWED_HEADER_KEYS or header.get("alg") != ALGORITHM:
                raise InvalidAccessToken("unexpected token header")
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": REQUIRED_CLAIMS, "strict_aud": True},
            )
            return AccessClaims(
                user_id=uuid.UUID(str(claims["sub"])),
                tenant_id=uuid.UUID(str(claims["tid"])),
                session_id=uuid.UUID(str(claims["sid"])),
            )
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise InvalidAccessToken(type(error).__name__) from None
