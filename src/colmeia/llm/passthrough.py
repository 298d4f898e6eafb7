"""OpenAI-compatible upstreams called with the caller's own request body, over aiohttp.

Why: a ``/v1/chat/completions`` request already *is* the upstream's wire format. Turning it
into LangChain messages, through ``ChatOpenAI`` and the ``openai`` SDK, and back costs ~1.5 ms
of CPU per call on this machine, most of the gateway's own overhead (`bench/gateway.py`); the
aiohttp client alone costs a third of httpx's per request (measured: 0.24 against 0.74 ms).
So when the caller spoke OpenAI and the model is served by an OpenAI-compatible provider, the
gateway sends that body as is (model name and registry defaults applied) and reads the answer
into an `AIMessage` for the hooks and the usage row. Everything around the call is unchanged:
hooks, retries with backoff and ``Retry-After``, fallback, usage. Each attempt is a client
span named and attributed by the GenAI semantic conventions, and carries ``traceparent`` to the
upstream. (aiohttp's own instrumentation would cost three times as much: it dispatches
signals for every request phase.)

Graphs, streamed calls and providers with construction-only options still go through
LangChain (`Gateway._call_chain`), so nothing a LangChain model does is lost to this path.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, InvalidToolCall, ToolCall
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call
from opentelemetry import propagate, trace

from colmeia.llm.registry import ModelSpec

OPENAI_BASE_URL = "https://api.openai.com/v1"
BODY_FIELDS = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "stop",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "reasoning_effort",
        "service_tier",
        "user",
    }
)
"""Registry ``params`` that are request-body fields too. A model configured with anything
else (``use_responses_api``, ``organization``, ``extra_body`` …) is a constructor option only
``ChatOpenAI`` understands, so such a model keeps the LangChain path."""
MAX_CONNECTIONS = 1000
"""The ``openai`` SDK's own pool size, so moving off it changes no concurrency limit."""
KEEPALIVE_S = 4.0
"""Idle connections are dropped before uvicorn's (and httpx's) 5 s, so a request never reuses
a connection the upstream is closing at that very moment."""

JsonDict = dict[str, Any]
"""Any: OpenAI wire JSON."""


class UpstreamStatus(Exception):
    """A non-2xx answer (or an unreadable 2xx) from the upstream, shaped as the provider SDKs'
    status errors are (``status_code``, ``headers``, ``body``) so `transient.classify` reads
    both the same way: 429 and 5xx retried honouring ``Retry-After``, the rest failing fast."""

    def __init__(self, status_code: int, headers: Mapping[str, str], body: object) -> None:
        super().__init__(f"upstream answered {status_code}")
        self.message = body[:500] if isinstance(body, str) and body else str(self)
        self.status_code = status_code
        self.headers = headers
        self.body = body


def serves(spec: ModelSpec) -> bool:
    """Whether ``spec`` can be called with an OpenAI wire body instead of through LangChain."""
    return spec.provider == "openai" and BODY_FIELDS.issuperset(spec.params)


class OpenAIPassthrough:
    """One aiohttp session per event loop (a session is bound to the loop that made it)."""

    def __init__(self) -> None:
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    async def complete(self, spec: ModelSpec, wire: Mapping[str, object]) -> AIMessage:
        """One non-streamed chat completion of ``spec`` for the caller's body ``wire``."""
        body = {**spec.params, **wire, "model": spec.model, "stream": False}
        headers = {"content-type": "application/json", **spec.headers}
        if spec.api_key:
            headers["authorization"] = f"Bearer {spec.api_key}"
        base = (spec.base_url or OPENAI_BASE_URL).rstrip("/")
        timeout = aiohttp.ClientTimeout(total=spec.timeout_s)
        attributes = {**_server(base), **_request_attributes(spec)}
        with _tracer.start_as_current_span(
            f"chat {spec.model}", kind=trace.SpanKind.CLIENT, attributes=attributes
        ) as span:
            propagate.inject(headers)
            async with self._session().post(
                f"{base}/chat/completions",
                data=json.dumps(body),
                headers=headers,
                timeout=timeout,
                proxy=_proxy(base),
            ) as response:
                raw = await response.read()
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 400:
                raise UpstreamStatus(response.status, response.headers, _json_or_text(raw))
            data = _json_or_text(raw)
            try:
                message = to_message(data)
            except (KeyError, IndexError, TypeError, AttributeError):
                reason = {"error": {"message": "the provider answered with a malformed completion"}}
                raise UpstreamStatus(502, {}, reason) from None
            span.set_attributes(_response_attributes(message))
        return message

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_S)
            session = aiohttp.ClientSession(connector=connector)
            self._sessions[loop] = session
        return session

    async def aclose(self) -> None:
        """Close this loop's session; sessions of other loops end with their loop."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        self._sessions.clear()
        if session is not None:
            await session.close()


_tracer = trace.get_tracer("colmeia.llm")


@functools.lru_cache(maxsize=64)
def _proxy(base_url: str) -> str | None:
    """The proxy for ``base_url`` from ``HTTP(S)_PROXY`` / ``NO_PROXY``, as httpx (the SDKs'
    client) honours them. Looked up once per upstream: aiohttp's own ``trust_env`` does it
    per request, on a thread (a hop to the executor on every call)."""
    parts = urlsplit(base_url)
    proxy = getproxies().get(parts.scheme)
    if proxy is None or proxy_bypass(parts.hostname or ""):
        return None
    return proxy


@functools.lru_cache(maxsize=64)
def _server(base_url: str) -> dict[str, str | int]:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"server.address": parts.hostname or "", "server.port": port}


def _request_attributes(spec: ModelSpec) -> dict[str, str]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": spec.provider,
        "gen_ai.request.model": spec.model,
    }


def _response_attributes(message: AIMessage) -> dict[str, str | int | list[str]]:
    metadata = message.response_metadata
    attributes: dict[str, str | int | list[str]] = {
        "gen_ai.response.finish_reasons": [str(metadata.get("finish_reason"))],
    }
    if metadata.get("model_name"):
        attributes["gen_ai.response.model"] = str(metadata["model_name"])
    if message.id:
        attributes["gen_ai.response.id"] = message.id
    if message.usage_metadata:
        attributes["gen_ai.usage.input_tokens"] = message.usage_metadata["input_tokens"]
        attributes["gen_ai.usage.output_tokens"] = message.usage_metadata["output_tokens"]
    return attributes


def to_message(data: JsonDict) -> AIMessage:
    """The `AIMessage` LangChain's ``ChatOpenAI`` would have made of a ``chat.completion``."""
    choice = data["choices"][0]
    message = choice["message"]
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in message.get("tool_calls") or ():
        try:
            parsed = parse_tool_call(raw, return_id=True)
        except OutputParserException as error:
            invalid.append(make_invalid_tool_call(raw, str(error)))
            continue
        if parsed is not None:
            calls.append(ToolCall(**parsed))  # type: ignore[typeddict-item]
    extra = {"refusal": message["refusal"]} if message.get("refusal") else {}
    metadata = {
        "finish_reason": choice.get("finish_reason"),
        "model_name": data.get("model"),
        "system_fingerprint": data.get("system_fingerprint"),
        "id": data.get("id"),
        "logprobs": choice.get("logprobs"),
    }
    return AIMessage(
        content=message.get("content") or "",
        tool_calls=calls,
        invalid_tool_calls=invalid,
        additional_kwargs=extra,
        response_metadata={k: v for k, v in metadata.items() if v is not None},
        usage_metadata=_usage(data.get("usage")),
        id=data.get("id"),
    )


def _usage(usage: JsonDict | None) -> UsageMetadata | None:
    if not usage:
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    metadata = UsageMetadata(
        input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion
    )
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached:
        metadata["input_token_details"] = InputTokenDetails(cache_read=int(cached))
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if reasoning:
        metadata["output_token_details"] = OutputTokenDetails(reasoning=int(reasoning))
    return metadata


def _json_or_text(raw: bytes) -> Any:
    # Any: whatever JSON the upstream sent, or its text when it is not JSON.
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")[:500]
