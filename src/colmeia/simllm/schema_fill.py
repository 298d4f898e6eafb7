"""Fill a JSON schema with a value that validates, drawn from the user's words where possible.

Used for tool-call arguments and for `response_format: json_schema` answers. The rules, in order:
`const`, `enum` (the member the user mentioned, else the first), unions (first non-null branch),
then by type. Strings take the word after the property's name in the message ("city Lisbon"),
else a format example, else the schema default; a property named for the request itself
(`question`, `task`, `request`, `prompt`, `instructions`, `fact`, `note`) takes the whole
message, since a delegated task or a fact to keep needs the words as given; anything else (a
search `query` too) the message's topic words. Numbers are taken from the message in order of
appearance ("add 2 and 3"), clamped to the schema's bounds. Objects get their required
properties plus any optional property the user named. Everything is
deterministic: the same schema and message give the same value.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence

from pydantic import JsonValue

from colmeia.simllm import words
from colmeia.simllm.schemas import JsonObject

_MAX_DEPTH = 8
_CONNECTORS = r"(?:\s+(?:is|of|to|for|as|in|at|named|called)|\s*[:=])?"
REQUEST_FIELDS = frozenset(
    {"question", "task", "request", "prompt", "instructions", "fact", "note"}
)
"""String properties that stand for the user's request as a whole."""
_FORMAT_EXAMPLES: dict[str, str] = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
}


class SchemaFiller:
    """Builds values for schemas from one user message.

    Args:
        text: the message the values are drawn from.
        topic: words that stand for "what the user is asking about", the fallback for strings.
        root: the schema that `$ref`s resolve against (its `$defs` / `definitions`).
    """

    def __init__(self, text: str, topic: Sequence[str], root: JsonObject) -> None:
        self._text = text
        self._topic = " ".join(topic)
        self._root = root
        self._numbers = words.numbers(text)
        self._mentioned = words.normalised_set(words.split_words(text))

    def fill(self, schema: JsonValue, name: str = "value", depth: int = 0) -> JsonValue:
        """A value valid against `schema`, for a property called `name`."""
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return self._topic or name
        if isinstance(ref := schema.get("$ref"), str):
            return self.fill(self._resolve(ref), name, depth + 1)
        if "const" in schema:
            return schema["const"]
        if isinstance(enum := schema.get("enum"), list) and enum:
            return self._pick_enum(enum)
        for union in ("anyOf", "oneOf"):
            if isinstance(branches := schema.get(union), list) and branches:
                return self.fill(_first_non_null(branches), name, depth + 1)
        if isinstance(parts := schema.get("allOf"), list) and parts:
            return self.fill(_merge(parts), name, depth + 1)
        return self._fill_typed(schema, _type_of(schema), name, depth)

    def _fill_typed(self, schema: JsonObject, kind: str, name: str, depth: int) -> JsonValue:
        if kind == "object":
            return self._fill_object(schema, depth)
        if kind == "array":
            return self._fill_array(schema, name, depth)
        if kind in ("number", "integer"):
            return self._fill_number(schema, integer=kind == "integer")
        if kind == "boolean":
            return self._fill_boolean(schema, name)
        if kind == "null":
            return None
        return self._fill_string(schema, name)

    def _fill_object(self, schema: JsonObject, depth: int) -> JsonValue:
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return {}
        required = schema.get("required")
        wanted = set(required) if isinstance(required, list) else set()
        value: JsonObject = {}
        for prop, sub in properties.items():
            if prop in wanted or self._names(prop):
                value[prop] = self.fill(sub, prop, depth + 1)
        return value

    def _fill_array(self, schema: JsonObject, name: str, depth: int) -> JsonValue:
        items = schema.get("items", {})
        low = _int(schema.get("minItems"), 1)
        high = max(_int(schema.get("maxItems"), 5), low)
        values: list[JsonValue]
        if isinstance(items, dict) and isinstance(enum := items.get("enum"), list) and enum:
            values = self._mentioned_members(enum) or [enum[0]]
        elif isinstance(items, dict) and _is_free_text(items):
            values = list(self._topic.split()) or [name]
        else:
            values = [self.fill(items, name, depth + 1)]
        while len(values) < low:
            values.append(values[-1])
        return values[:high]

    def _fill_number(self, schema: JsonObject, *, integer: bool) -> JsonValue:
        low = _number(schema.get("minimum"), schema.get("exclusiveMinimum"), +1)
        high = _number(schema.get("maximum"), schema.get("exclusiveMaximum"), -1)
        default = schema.get("default")
        if self._numbers:
            value = self._numbers.pop(0)
        elif isinstance(default, int | float) and not isinstance(default, bool):
            value = float(default)
        else:
            value = low if low is not None else 1.0
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        return round(value) if integer else value

    def _fill_boolean(self, schema: JsonObject, name: str) -> JsonValue:
        if self._names(name):
            negated = re.search(rf"\b(?:no|not|without|don't)\s+{_name_pattern(name)}", self._text)
            return negated is None
        default = schema.get("default")
        return default if isinstance(default, bool) else False

    def _fill_string(self, schema: JsonObject, name: str) -> JsonValue:
        fmt = schema.get("format")
        default = schema.get("default")
        if isinstance(fmt, str) and fmt == "uuid":
            value = str(uuid.UUID(bytes=hashlib.sha256(self._text.encode()).digest()[:16]))
        elif isinstance(fmt, str) and fmt in _FORMAT_EXAMPLES:
            value = _FORMAT_EXAMPLES[fmt]
        elif (named := self._value_after_name(name)) is not None:
            value = named
        elif isinstance(default, str):
            value = default
        elif name.lower() in REQUEST_FIELDS and self._text.strip():
            value = self._text.strip()
        else:
            value = self._topic or name
        low = _int(schema.get("minLength"), 0)
        high = _int(schema.get("maxLength"), len(value))
        return value.ljust(low, "x")[: max(high, low)]

    def _value_after_name(self, name: str) -> str | None:
        """The quoted phrase or word following the property name: 'city: Lisbon' -> 'Lisbon'."""
        quoted_or_word = r"(?:\"([^\"]+)\"|'([^']+)'|([\w.@/-]+))"
        pattern = rf"\b{_name_pattern(name)}\b{_CONNECTORS}\s*{quoted_or_word}"
        match = re.search(pattern, self._text, flags=re.IGNORECASE)
        if match is None:
            return None
        return next(group for group in match.groups() if group)

    def _names(self, name: str) -> bool:
        parts = words.identifier_words(name)
        return bool(parts) and words.normalised_set(parts) <= self._mentioned

    def _pick_enum(self, enum: list[JsonValue]) -> JsonValue:
        mentioned = self._mentioned_members(enum)
        return mentioned[0] if mentioned else enum[0]

    def _mentioned_members(self, enum: list[JsonValue]) -> list[JsonValue]:
        return [m for m in enum if isinstance(m, str) and words.normalise(m) in self._mentioned]

    def _resolve(self, ref: str) -> JsonValue:
        node: JsonValue = self._root
        for part in ref.removeprefix("#/").split("/"):
            if not isinstance(node, dict) or part not in node:
                return {}
            node = node[part]
        return node


def _name_pattern(name: str) -> str:
    return r"[\s_-]*".join(re.escape(part) for part in words.identifier_words(name))


def _type_of(schema: JsonObject) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _is_free_text(schema: JsonObject) -> bool:
    """A string schema with no constraint that topic words could violate."""
    constraints = ("enum", "const", "format", "minLength", "maxLength", "pattern", "$ref")
    unions = ("anyOf", "oneOf", "allOf")
    return schema.get("type") == "string" and not any(
        key in schema for key in (*constraints, *unions)
    )


def _first_non_null(branches: list[JsonValue]) -> JsonValue:
    for branch in branches:
        if not (isinstance(branch, dict) and branch.get("type") == "null"):
            return branch
    return branches[0]


def _merge(parts: list[JsonValue]) -> JsonObject:
    merged: JsonObject = {}
    for part in parts:
        if isinstance(part, dict):
            merged.update(part)
    return merged


def _int(value: JsonValue, fallback: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else fallback


def _number(inclusive: JsonValue, exclusive: JsonValue, step: int) -> float | None:
    if isinstance(inclusive, int | float) and not isinstance(inclusive, bool):
        return float(inclusive)
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        return float(exclusive) + step
    return None
