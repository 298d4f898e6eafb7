"""Forged, tampered and stale JWTs are all 401, over real HTTP.

Each forgery starts from claims that would be accepted (a real user, a live login session,
the right audience and issuer) and breaks exactly one thing, so a 401 can only come from the
check under test. The control case proves the untouched token is accepted.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from colmeia.auth.secret import server_pepper
from colmeia.auth.tokens import signing_key
from colmeia.config import Settings
from tests.fixtures.live import live_api
from tests.fixtures.people import bearer, create_person, login


@dataclass(frozen=True)
class Target:
    base: str
    key: bytes
    claims: dict[str, Any]
    """Claims of a real, live access token."""
    other_user_claims: dict[str, Any]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims).encode())
    return f"{head}.{body}.{b64(signature)}"


def hs(claims: dict[str, Any], key: bytes, alg: str = "HS256", **headers: Any) -> str:
    return jwt.encode(claims, key, algorithm=alg, headers=headers or None)


def without(claims: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if k != name}


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC_PEM = RSA_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _hmac(
    claims: dict[str, Any], key: bytes, header: dict[str, Any], digest: str = "sha256"
) -> str:
    """Sign by hand, so algorithms and keys PyJWT would refuse to produce can be forged."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    sig = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(sig)}"


def _flip_signature(token: str) -> str:
    head, body, sig = token.split(".")
    return f"{head}.{body}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"


def _tamper_payload(t: Target) -> str:
    head, _, sig = hs(t.claims, t.key).split(".")
    forged = b64(json.dumps(t.other_user_claims).encode())
    return f"{head}.{forged}.{sig}"


now = int(time.time())
FORGERIES: dict[str, Callable[[Target], str]] = {
    "alg none": lambda t: raw({"alg": "none", "typ": "JWT"}, t.claims),
    "alg None": lambda t: raw({"alg": "None", "typ": "JWT"}, t.claims),
    "alg none with a signature": lambda t: raw({"alg": "none"}, t.claims, b"sig"),
    "wrong hmac key": lambda t: hs(t.claims, b"k" * 32),
    "HS512 with the right key": lambda t: _hmac(t.claims, t.key, {"alg": "HS512"}, "sha512"),
    "HS384 with the right key": lambda t: _hmac(t.claims, t.key, {"alg": "HS384"}, "sha384"),
    "RS256 with an attacker key": lambda t: jwt.encode(t.claims, RSA_KEY, algorithm="RS256"),
    "ES256 with an attacker key": lambda t: jwt.encode(t.claims, EC_KEY, algorithm="ES256"),
    "HS256 keyed with an RSA public key": lambda t: _hmac(
        t.claims, RSA_PUBLIC_PEM, {"alg": "HS256", "typ": "JWT"}
    ),
    "RS256 header over an HMAC signature": lambda t: _hmac(t.claims, t.key, {"alg": "RS256"}),
    "expired": lambda t: hs(t.claims | {"exp": now - 600, "iat": now - 900}, t.key),
    "issued in the future": lambda t: hs(t.claims | {"iat": now + 3600}, t.key),
    "not valid yet (nbf)": lambda t: hs(t.claims | {"nbf": now + 3600}, t.key),
    "wrong audience": lambda t: hs(t.claims | {"aud": "someone-else"}, t.key),
    "audience list with ours": lambda t: hs(t.claims | {"aud": ["x", t.claims["aud"]]}, t.key),
    "wrong issuer": lambda t: hs(t.claims | {"iss": "evil"}, t.key),
    "missing exp": lambda t: hs(without(t.claims, "exp"), t.key),
    "missing iat": lambda t: hs(without(t.claims, "iat"), t.key),
    "missing aud": lambda t: hs(without(t.claims, "aud"), t.key),
    "missing iss": lambda t: hs(without(t.claims, "iss"), t.key),
    "missing sid": lambda t: hs(without(t.claims, "sid"), t.key),
    "bad signature": lambda t: _flip_signature(hs(t.claims, t.key)),
    "empty signature": lambda t: hs(t.claims, t.key).rsplit(".", 1)[0] + ".",
    "payload swapped under a valid signature": _tamper_payload,
    "oversized": lambda t: hs(t.claims | {"pad": "x" * 5000}, t.key),
    "crit header": lambda t: hs(t.claims, t.key, crit=["exp"], exp=1),
    "b64 false": lambda t: hs(t.claims, t.key, b64=False, crit=["b64"]),
    "jku header": lambda t: hs(t.claims, t.key, jku="https://evil.test/jwks.json"),
    "kid path traversal": lambda t: hs(t.claims, t.key, kid="../../dev/null"),
    "sub of another user in the same session": lambda t: hs(
        t.claims | {"sub": t.other_user_claims["sub"]}, t.key
    ),
    "tid of another tenant": lambda t: hs(t.claims | {"tid": t.other_user_claims["tid"]}, t.key),
    "unknown session": lambda t: hs(t.claims | {"sid": str(uuid.uuid4())}, t.key),
    "sub not a uuid": lambda t: hs(t.claims | {"sub": "1 OR 1=1"}, t.key),
    "four segments": lambda t: hs(t.claims, t.key) + ".e30",
    "not base64": lambda t: "eyJ!!!.eyJ!!!.sig",
}


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, redis_url: str
) -> Iterator[Target]:
    from tests.conftest import TEST_SECRET

    settings = Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("forged"),
        database={"url": database_url},
        redis={"url": redis_url},
        auth={"secret_key": TEST_SECRET},
        limits={"anonymous": "100000/minute", "user": "100000/minute"},
    )
    person, other = create_person(settings), create_person(settings)
    with live_api(settings) as base:
        real = jwt.decode(login(base, person)["access_token"], options={"verify_signature": False})
        other_claims = jwt.decode(
            login(base, other)["access_token"], options={"verify_signature": False}
        )
        yield Target(base, signing_key(server_pepper(settings)), real, other_claims)


class TestForgedTokens:
    def test_enough_forgeries(self) -> None:
        assert len(FORGERIES) >= 20

    def test_the_untouched_token_is_accepted(self, target: Target) -> None:
        """Control: re-signing the real claims with the real key works, so each 401 below
        comes from the one thing its forgery broke."""
        response = httpx.get(f"{target.base}/me", headers=bearer(hs(target.claims, target.key)))
        assert response.status_code == 200

    @pytest.mark.parametrize("name", sorted(FORGERIES))
    def test_forgery_is_401(self, target: Target, name: str) -> None:
        token = FORGERIES[name](target)
        response = httpx.get(f"{target.base}/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "unauthenticated"
