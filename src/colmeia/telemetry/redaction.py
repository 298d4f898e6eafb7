"""The one place secrets are recognised and masked.

Every sink that leaves the process or outlives the request goes through `Redactor`: log lines
(a structlog processor), spans (stored and OTLP-exported copies), LangSmith runs (the client's
anonymizer), Sentry events (``before_send``) and error text stored on rows (`redact`).

Two complementary rules:

* **by name** — a value stored under a sensitive key (``Authorization``, ``Cookie``,
  ``x-api-key``, ``password``, ``token``, ``?key=`` …) is replaced whatever it looks like;
* **by shape** — any string is scanned for known credential formats (our ``cmk_`` keys, JWTs,
  provider keys such as ``sk-…``/``sk-ant-…``, cloud and SaaS tokens, URL user-info,
  ``name=value`` pairs with a sensitive name, PEM private keys), so a secret pasted into a
  prompt, an exception message or a URL is caught too.

Configured secret values (provider keys, the server secret …) are also masked literally.
The patterns are compiled into a single alternation so one scan handles them all.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus

MASK = "[REDACTED]"

_SENSITIVE_NAME = (
    r"authorization|proxy[-_]?authorization|cookie|set[-_]?cookie|x[-_]?api[-_]?key|"
    r"api[-_]?key|apikey|x[-_]?goog[-_]?api[-_]?key|access[-_]?key|secret[-_]?key|"
    r"access[-_]?token|refresh[-_]?token|id[-_]?token|auth[-_]?token|session[-_]?token|"
    r"client[-_]?secret|private[-_]?key|account[-_]?key|password|passwd|pwd|passphrase|"
    r"secret|token|key|sig|signature|credentials?|session|dsn"
)
SENSITIVE_KEY = re.compile(rf"(?:^|[-_.])(?:{_SENSITIVE_NAME})$", re.IGNORECASE)
"""Mapping keys (header names, query parameters, JSON fields) whose value is always masked:
a sensitive word, or one ending a compound name (``x-upstream-token``, ``github_token``)."""

_SHAPES: list[tuple[tuple[str, ...], str]] = [
    # (lower-case literals of which one must occur — a cheap prefilter —, pattern)
    (
        ("-----begin",),
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
    ),
    # "Authorization: Bearer x", "Cookie: a=b" written out in text (headers in messages).
    (
        ("authorization", "cookie", "x-api-key"),
        r"(?P<hdr>\b(?:proxy-)?authorization|\bcookie|\bset-cookie|\bx-api-key)\s*[:=]\s*[^\r\n]+",
    ),
    (("bearer", "basic"), r"(?P<scheme>\b(?-i:Bearer|Basic|bearer))\s+[A-Za-z0-9._~+/=-]{8,}"),
    # user:password@ in URLs (databases, brokers, Sentry DSNs).
    (("://",), r"(?P<userinfo>\b[a-z][a-z0-9+.-]*://)[^\s/@:]*(?::[^\s/@]*)?@"),
    # Our API keys and JWTs.
    (("cmk_",), r"\bcmk_[A-Za-z0-9]{4,16}_[A-Za-z0-9_-]{8,}"),
    (("eyj",), r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    # Provider keys: OpenAI/Anthropic/… ``sk-``, Stripe-style ``sk_live_``, cloud and SaaS.
    (("sk-", "rk-", "pk-"), r"\b(?:sk|rk|pk)-[A-Za-z0-9_-]{12,}"),
    (("_live_", "_test_"), r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}"),
    (("akia", "asia"), r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}"),
    (("github_pat_",), r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    (("glpat-",), r"\bglpat-[A-Za-z0-9_-]{16,}"),
    (("xox",), r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    (("aiza",), r"\bAIza[0-9A-Za-z_-]{30,}"),
    (("hf_",), r"\bhf_[A-Za-z0-9]{20,}"),
    (("gsk_",), r"\bgsk_[A-Za-z0-9]{20,}"),
    (("xai-",), r"\bxai-[A-Za-z0-9]{20,}"),
    (("lsv2_",), r"\blsv2_(?:pt|sk)_[A-Za-z0-9_]{16,}"),
    (("npm_",), r"\bnpm_[A-Za-z0-9]{20,}"),
    (("pypi-",), r"\bpypi-[A-Za-z0-9_-]{20,}"),
    (("dop_v1_",), r"\bdop_v1_[a-f0-9]{32,}"),
    (("sg.",), r"\bSG\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ((":aa",), r"\b\d{8,10}:AA[A-Za-z0-9_-]{30,}"),  # Telegram bot tokens
]
# name=value / name: value / "name": "value" with a sensitive name (query strings too) is
# found from the separator backwards: a regex starting at every position is 50× slower.
_NAMES = (
    "authorization",
    "cookie",
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "sig",
    "signature",
    "credential",
    "credentials",
    "session",
    "dsn",
)
_SEPARATOR = re.compile(r"[=:]")
# Quotes may be escaped (a prompt inside a JSON string inside a span attribute).
_VALUE = re.compile(r"[ \t]*(?:\\*[\"'])?(?!\[REDACTED\])([^\s\"'&,;<>\\]{3,})")
_KEEP_PREFIX = ("hdr", "scheme", "userinfo")
_MATERIAL_SPLIT = re.compile(r"[\s:;,@/&?\"'=\\]+")
MIN_REMEMBERED = 8
CLEAN_CACHE_SIZE = 4096
"""Strings recently found to hold no secret. Span attributes repeat a run's input and output at
every level (graph, node, model), and scanning them again was a twentieth of a worker's CPU."""
CLEAN_CACHE_MAX_CHARS = 65_536


class _SeenSecrets:
    """Secret values recently found by shape, masked literally from then on.

    An LLM asked about ``api_key=abc…`` may answer "…api_key and abc…": the echo has lost
    the shape that gave it away. Remembering the material of each match (bounded, most
    recent first) lets every sink mask such echoes too. Best effort and per process.
    """

    def __init__(self, capacity: int = 512) -> None:
        self._capacity = capacity
        self._values: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, material: str) -> None:
        tokens = [t for t in _MATERIAL_SPLIT.split(material) if len(t) >= MIN_REMEMBERED]
        with self._lock:
            for token in tokens:
                if token in self._values:
                    continue
                self._values[token] = None
                if len(self._values) > self._capacity:
                    self._values.popitem(last=False)
                self._pattern = None

    def mask(self, text: str) -> str:
        """``text`` with every remembered value masked."""
        with self._lock:
            if not self._values or not any(v in text for v in self._values):
                return text
        pattern = self.pattern()
        return pattern.sub(MASK, text) if pattern is not None else text

    def pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
            return self._pattern


def _sensitive_name_before(text: str, separator: int) -> bool:
    raw = text[max(0, separator - 64) : separator].rstrip(" \t\"'\\")
    name = raw.lower()
    for candidate in _NAMES:
        if name.endswith(candidate):
            before = raw[-len(candidate) - 1 : -len(candidate)]
            # A word of its own, or the last part of a compound (x-api-key, AccountKey).
            camel = raw[-len(candidate)].isupper() and before.islower()
            return not before.isalnum() or camel
    return False


def _named_values(text: str) -> str:
    """Mask the value after ``name=`` / ``name:`` when the name is sensitive."""
    pieces: list[str] = []
    position = 0
    for separator in _SEPARATOR.finditer(text):
        start = separator.end()
        if start < position or not _sensitive_name_before(text, separator.start()):
            continue
        value = _VALUE.match(text, start)
        if value is None:
            continue
        _seen.add(value.group(1))
        pieces += [text[position : value.start(1)], MASK]
        position = value.end(1)
    return "".join(pieces) + text[position:] if pieces else text


_seen = _SeenSecrets()  # process-wide on purpose: a secret one sink saw is masked by all


class Redactor:
    """Masks secrets in strings and nested structures; safe to share between threads."""

    def __init__(self, literals: Iterable[str] = ()) -> None:
        self._shapes = [
            (prefilter, re.compile(shape, re.IGNORECASE)) for prefilter, shape in _SHAPES
        ]
        # Longest first, so a literal that contains another is masked whole.
        for literal in sorted({s for s in literals if len(s) >= 6}, key=len, reverse=True):
            self._shapes.insert(0, ((literal.lower(),), re.compile(re.escape(literal), re.I)))
        self._clean: dict[str, None] = {}
        self._clean_lock = threading.Lock()

    def _mask(self, match: re.Match[str]) -> str:
        for group in _KEEP_PREFIX:
            prefix = match.group(group) if group in match.re.groupindex else None
            if prefix is not None:
                _seen.add(match.group(0)[len(prefix) :])
                if group == "scheme":
                    return f"{prefix} {MASK}"
                if group == "hdr":
                    return f"{prefix}: {MASK}"
                return f"{prefix}{MASK}" + ("@" if group == "userinfo" else "")
        _seen.add(match.group(0))
        return MASK

    def _by_shape(self, value: str) -> str:
        lowered = value.lower()
        for prefilter, pattern in self._shapes:
            if any(literal in lowered for literal in prefilter):
                value = pattern.sub(self._mask, value)
                lowered = value.lower()
        return _named_values(value)

    def text(self, value: str) -> str:
        """``value`` with every recognised secret replaced by ``[REDACTED]``.

        Percent-encoded text (query strings) is also checked decoded; when that reveals a
        secret, the decoded, masked form is returned.
        """
        if value in self._clean:  # scanned before and clean (only echoes may have appeared)
            return _seen.mask(value)
        masked = self._by_shape(value)
        if "%" in masked or "+" in masked:
            decoded = unquote_plus(masked)
            if decoded != masked:
                remasked = self._by_shape(decoded)
                if remasked != decoded:
                    masked = remasked
        if masked == value and len(value) <= CLEAN_CACHE_MAX_CHARS:
            self._remember_clean(value)
        return _seen.mask(masked)

    def _remember_clean(self, value: str) -> None:
        """Only clean strings are remembered: one holding a secret is scanned every time, so
        its secret is re-added to the echo list (`_SeenSecrets`) whenever it shows up."""
        with self._clean_lock:
            if len(self._clean) >= CLEAN_CACHE_SIZE:
                del self._clean[next(iter(self._clean))]  # oldest first
            self._clean[value] = None

    def value(self, value: Any, key: str | None = None) -> Any:
        # Any: JSON-like data of any shape (log events, span attributes, Sentry events).
        """A copy of ``value`` (str, mapping, sequence or scalar) with secrets masked."""
        if key is not None and SENSITIVE_KEY.search(key) and value not in (None, "", [], {}):
            return MASK
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", "replace"))
        return value

    def mapping(self, value: dict[str, Any]) -> dict[str, Any]:
        # Any: the caller's JSON-like dict (LangSmith inputs, Sentry event).
        """``value`` with secrets masked, as a new dict (LangSmith's anonymizer signature)."""
        masked = self.value(value)
        assert isinstance(masked, dict)
        return masked


default_redactor = Redactor()
"""Pattern-only redactor, for code that has no configured secrets to add."""


def redact(text: str) -> str:
    """Mask secrets in ``text`` — for error messages stored on rows, and anything else."""
    return default_redactor.text(text)
