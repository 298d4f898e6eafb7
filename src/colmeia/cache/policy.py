"""What may be cached: deterministic calls by default, and the caller's per-request controls.

Controls arrive as headers (``x-colmeia-cache: no-cache, no-store, ttl=60, enable``;
``x-colmeia-cache-ttl: 60``; ``x-colmeia-cache-tags: crm,sales``; the standard
``cache-control: no-cache, no-store, max-age=60``) or in the body
(``{"cache": {"no_cache": true, "no_store": false, "ttl": 60, "enabled": true, "tags": [...]}}``):

- ``no-cache``: do not serve from the cache (the answer may still be stored);
- ``no-store``: do not store this answer;
- ``ttl=N``: store for N seconds (capped by the configured maximum);
- ``enable``: cache even though the call is not deterministic (temperature > 0);
- ``tags``: labels stored with the answer, for invalidation by tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from colmeia.errors import BadRequest
from colmeia.llm.context import CacheControls

__all__ = ["CacheControls", "CacheDecision", "CachePolicy", "InvalidCacheControl"]

CONTROL_HEADER = "x-colmeia-cache"
_BODY_FIELDS = frozenset({"no_cache", "no_store", "ttl", "enabled", "tags"})
_MAX_TAGS = 20
_MAX_TAG_LENGTH = 200


class InvalidCacheControl(BadRequest):
    code = "invalid_cache_control"


@dataclass(frozen=True, slots=True)
class CacheDecision:
    lookup: bool
    store: bool
    ttl_s: float
    reason: str


def _ttl(value: object) -> float:
    try:
        ttl = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidCacheControl(f"cache ttl must be a number of seconds, got {value!r}") from None
    if ttl <= 0:
        raise InvalidCacheControl("cache ttl must be positive")
    return ttl


def _tags(value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidCacheControl("cache tags must be a list of strings")
    tags = tuple(str(tag).strip() for tag in items if str(tag).strip())
    if len(tags) > _MAX_TAGS or any(len(tag) > _MAX_TAG_LENGTH for tag in tags):
        raise InvalidCacheControl(
            f"at most {_MAX_TAGS} cache tags of at most {_MAX_TAG_LENGTH} characters"
        )
    return tags


def parse_header(value: str | None) -> CacheControls:
    """Controls from the ``x-colmeia-cache`` header; unknown directives are refused (400)."""
    if not value:
        return CacheControls()
    flags: dict[str, object] = {}
    for raw in value.split(","):
        directive = raw.strip().lower()
        name, _, argument = directive.partition("=")
        if name in ("no-cache", "no-store"):
            flags[name.replace("-", "_")] = True
        elif name == "ttl":
            flags["ttl_s"] = _ttl(argument)
        elif name in ("enable", "disable"):
            flags["enabled"] = name == "enable"
        elif name:
            raise InvalidCacheControl(f"unknown cache directive {name!r}")
    return CacheControls(**flags)  # type: ignore[arg-type]


def parse_cache_control(value: str | None) -> CacheControls:
    """The standard ``Cache-Control`` request header: ``no-cache``, ``no-store``, ``max-age=N``
    (the ttl). Other directives are HTTP's own business and ignored, not refused."""
    if not value:
        return CacheControls()
    flags: dict[str, object] = {}
    for raw in value.split(","):
        name, _, argument = raw.strip().lower().partition("=")
        if name in ("no-cache", "no-store"):
            flags[name.replace("-", "_")] = True
        elif name == "max-age":
            flags["ttl_s"] = _ttl(argument.strip('"'))
    return CacheControls(**flags)  # type: ignore[arg-type]


def parse_headers(headers: Mapping[str, str]) -> CacheControls:
    """Controls from every header family: ``x-colmeia-cache`` (directives),
    ``x-colmeia-cache-ttl`` and ``x-colmeia-cache-tags`` (comma-separated), ``cache-control``.

    ``headers`` must be case-insensitive (Starlette's are) or lower-case."""
    controls = merge(
        parse_header(headers.get(CONTROL_HEADER)), parse_cache_control(headers.get("cache-control"))
    )
    ttl = headers.get(f"{CONTROL_HEADER}-ttl")
    tags = headers.get(f"{CONTROL_HEADER}-tags")
    extra = CacheControls(ttl_s=_ttl(ttl) if ttl else None, tags=_tags(tags) if tags else ())
    return merge(extra, controls)


def parse_body(body: Mapping[str, object] | None) -> CacheControls:
    """Controls from a request body's ``cache`` object (the ``openai`` SDK's ``extra_body``)."""
    section = (body or {}).get("cache")
    if section is None:
        return CacheControls()
    if not isinstance(section, Mapping):
        raise InvalidCacheControl("'cache' must be an object")
    unknown = set(section) - _BODY_FIELDS
    if unknown:
        raise InvalidCacheControl(f"unknown cache field(s): {', '.join(sorted(unknown))}")
    enabled = section.get("enabled")
    return CacheControls(
        no_cache=bool(section.get("no_cache", False)),
        no_store=bool(section.get("no_store", False)),
        ttl_s=_ttl(section["ttl"]) if section.get("ttl") is not None else None,
        enabled=None if enabled is None else bool(enabled),
        tags=_tags(section["tags"]) if section.get("tags") is not None else (),
    )


def merge(header: CacheControls, body: CacheControls) -> CacheControls:
    """Either source may switch caching off; the header's ttl and switch win over the body's;
    tags add up."""
    return CacheControls(
        no_cache=header.no_cache or body.no_cache,
        no_store=header.no_store or body.no_store,
        ttl_s=header.ttl_s if header.ttl_s is not None else body.ttl_s,
        enabled=header.enabled if header.enabled is not None else body.enabled,
        tags=tuple(dict.fromkeys((*header.tags, *body.tags))),
    )


@dataclass(frozen=True, slots=True)
class CachePolicy:
    default_ttl_s: float = 3600.0
    max_ttl_s: float = 86400.0

    def decide(
        self,
        params: Mapping[str, object],
        controls: CacheControls | None = None,
        *,
        agent_enabled: bool = False,
        streaming: bool = False,
    ) -> CacheDecision:
        """Look up / store for this call? Deterministic calls only, unless enabled."""
        controls = controls or CacheControls()
        ttl = min(controls.ttl_s or self.default_ttl_s, self.max_ttl_s)
        if controls.enabled is False:
            return CacheDecision(False, False, ttl, "disabled by request")
        deterministic = _deterministic(params)
        if not (deterministic or agent_enabled or controls.enabled):
            return CacheDecision(False, False, ttl, "not deterministic (temperature > 0)")
        lookup = not controls.no_cache
        store = not controls.no_store
        return CacheDecision(lookup, store, ttl, "cacheable")


def _deterministic(params: Mapping[str, object]) -> bool:
    """Temperature 0 and a single choice: the same request gives the same answer."""
    temperature = params.get("temperature")
    n = params.get("n")
    return isinstance(temperature, int | float) and temperature == 0 and n in (None, 1)


def storable(response: Mapping[str, object]) -> tuple[bool, str]:
    """Never store errors, tool-call turns (they have side effects) or cut streams.

    ``response`` is an OpenAI-style choice: ``{"message": {...}, "finish_reason": ...}``.
    """
    if response.get("error"):
        return False, "error"
    message = response.get("message")
    if not isinstance(message, Mapping):
        return False, "no message"
    if message.get("tool_calls"):
        return False, "tool call"
    if response.get("finish_reason") not in ("stop", "length"):
        return False, "incomplete (stream cut or filtered)"
    return True, "complete"
