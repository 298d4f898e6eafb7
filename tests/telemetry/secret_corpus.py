"""Fifty-plus distinct secret patterns, each with a fresh random core that must never leak.

Each entry is (label, text as it would appear in a header/prompt/URL/message, core): the
core is the secret material itself; finding it in any sink is a leak.
"""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass

ALNUM = string.ascii_letters + string.digits


def _r(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _hex(n: int) -> str:
    return _r(n, "0123456789abcdef")


@dataclass(frozen=True)
class Secret:
    label: str
    text: str
    core: str


def _jwt() -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(f'{{"sub":"{_r(12)}"}}'.encode()).rstrip(b"=").decode()
    return f"{header}.{claims}.{_r(43, ALNUM + '-_')}"


Add = Callable[[str, str, str], None]


def _headers_and_tokens(add: Add) -> None:
    add("bearer cmk key", "Authorization: Bearer {}", f"cmk_{_hex(8)}_{_r(43)}")
    add("our cmk key in text", "use key {} please", f"cmk_{_hex(8)}_{_r(43)}")
    add("bearer jwt", "Authorization: Bearer {}", _jwt())
    add("jwt in text", "token was {} yesterday", _jwt())
    add("basic auth header", "Authorization: Basic {}", base64.b64encode(_r(20).encode()).decode())
    add("cookie header", "Cookie: session={}", _r(32))
    add("set-cookie header", "Set-Cookie: sid={}; HttpOnly", _r(32))
    add("x-api-key header", "x-api-key: {}", _r(40))
    add("proxy authorization", "Proxy-Authorization: Bearer {}", _r(36))


def _provider_keys(add: Add) -> None:
    add("openai legacy key", "key {} failed", f"sk-{_r(48)}")
    add("openai project key", "using {}", f"sk-proj-{_r(64, ALNUM + '_-')}")
    add("openai service account", "sa {}", f"sk-svcacct-{_r(60)}")
    add("anthropic api key", "anthropic {}", f"sk-ant-api03-{_r(80, ALNUM + '_-')}")
    add("anthropic admin key", "admin {}", f"sk-ant-admin01-{_r(80)}")
    add("stripe live key", "stripe {}", f"sk_live_{_r(24)}")
    add("stripe restricted key", "stripe {}", f"rk_live_{_r(24)}")
    add("aws access key id", "aws {}", f"AKIA{_r(16, string.ascii_uppercase + string.digits)}")
    add("aws secret key", "aws_secret_access_key={}", _r(40))
    add("github classic token", "gh {}", f"ghp_{_r(36)}")
    add("github oauth token", "gh {}", f"gho_{_r(36)}")
    add("github fine-grained", "gh {}", f"github_pat_{_r(82, ALNUM + '_')}")
    add("gitlab token", "gl {}", f"glpat-{_r(20)}")
    add("slack bot token", "slack {}", f"xoxb-{_r(10, string.digits)}-{_r(24)}")
    add("slack user token", "slack {}", f"xoxp-{_r(10, string.digits)}-{_r(24)}")
    add("google api key", "maps {}", f"AIza{_r(35, ALNUM + '_-')}")
    add("huggingface token", "hf {}", f"hf_{_r(34)}")
    add("groq key", "groq {}", f"gsk_{_r(52)}")
    add("xai key", "grok {}", f"xai-{_r(80)}")
    add("langsmith personal", "ls {}", f"lsv2_pt_{_r(32)}_{_r(10)}")
    add("langsmith service", "ls {}", f"lsv2_sk_{_r(32)}_{_r(10)}")
    add("npm token", "npm {}", f"npm_{_r(36)}")
    add("pypi token", "pypi {}", f"pypi-AgEIcHlwaS5vcmc{_r(60)}")
    add("digitalocean token", "do {}", f"dop_v1_{_hex(64)}")
    add("sendgrid key", "sg {}", f"SG.{_r(22)}.{_r(43)}")
    add("telegram bot token", "bot {}", f"{_r(10, string.digits)}:AA{_r(33)}")


def _named_values_and_urls(add: Add) -> None:
    add("password kv", "login with password={} now", _r(16))
    add("password json", 'config {{"password": "{}"}}', _r(16))
    add("passwd yaml", "passwd: {}", _r(16))
    add("client secret kv", "client_secret={}", _r(32))
    add("refresh token kv", "refresh_token={}", _r(40))
    add("access token kv", "access_token: {}", _r(40))
    add("api key kv", "api_key={}", _r(32))
    add("secret kv", "secret: {}", _r(24))
    add("query token", "https://api.example.com/v1/data?token={}", _r(32))
    add("query key", "https://maps.example.com/api?key={}&q=x", _r(32))
    add("query api_key", "https://svc.example.com/x?a=1&api_key={}", _r(32))
    add("query access_token", "https://graph.example.com/me?access_token={}", _r(40))
    add("query password", "https://old.example.com/login?user=a&password={}", _r(16))
    add("query sig", "https://bucket.example.com/o?sig={}&se=2030", _r(44))
    add("postgres url", "postgresql://app:{}@db.internal:5432/app", _r(20))
    add("redis url", "redis://:{}@cache.internal:6379/0", _r(20))
    add("amqp url", "amqp://guest:{}@mq.internal:5672//", _r(20))
    add("sentry dsn", "https://{}@o123.ingest.sentry.io/456", _hex(32))
    add("azure account key", "DefaultEndpointsProtocol=https;AccountKey={};", _r(64))


def corpus() -> list[Secret]:
    """A fresh corpus (new random cores every call)."""
    items: list[Secret] = []

    def add(label: str, template: str, core: str) -> None:
        items.append(Secret(label, template.format(core), core))

    _headers_and_tokens(add)
    _provider_keys(add)
    _named_values_and_urls(add)
    pem = "\n".join(_r(64) for _ in range(4))
    block = f"-----BEGIN RSA PRIVATE KEY-----\n{pem}\n-----END RSA PRIVATE KEY-----"
    items.append(Secret("pem private key", block, pem.splitlines()[1]))
    return items
