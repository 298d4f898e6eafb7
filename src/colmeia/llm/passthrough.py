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

Graphs and providers with construction-only options still go through LangChain
(`Gateway._call_chain`), so nothing a LangChain model does is lost to this path.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk, InvalidToolCall, ToolCall
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call
from langchain_core.outputs import ChatGenerationChunk
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
READ_BUFFER = 4 * 1024 * 1024
"""The longest SSE line a stream may carry (aiohttp's default, 64 KiB, is less than one chunk
of a server that sends a whole answer at once)."""
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
        with _tracer.start_as_current_span(
            f"chat {spec.model}", kind=trace.SpanKind.CLIENT, attributes=_attributes(spec)
        ) as span:
            async with await self._post(spec, body, span) as response:
                raw = await response.read()
            data = _json_or_text(raw)
            try:
                message = to_message(data)
            except (KeyError, IndexError, TypeError, AttributeError):
                raise _malformed() from None
            span.set_attributes(_response_attributes(message))
        return message

    async def stream(
        self, spec: ModelSpec, wire: Mapping[str, object]
    ) -> AsyncIterator[ChatGenerationChunk]:
        """One streamed chat completion: the upstream's SSE chunks as LangChain chunks, usage
        last (asked for whatever the caller asked: the gateway accounts every call)."""
        body = {**spec.params, **wire, "model": spec.model, "stream": True}
        body["stream_options"] = {"include_usage": True}
        # Not the current span: a generator's context cannot be entered and left across yields.
        span = _tracer.start_span(
            f"chat {spec.model}", kind=trace.SpanKind.CLIENT, attributes=_attributes(spec)
        )
        try:
            async with await self._post(spec, body, span) as response:
                answered = False
                async for line in response.content:
                    if not line.startswith(b"data:"):
                        continue
                    data = line[5:].strip()
                    if data == b"[DONE]":
                        break
                    chunk = _json_or_text(data)
                    try:
                        message = to_chunk(chunk)
                    except (KeyError, IndexError, TypeError, AttributeError):
                        raise _malformed(chunk) from None
                    answered = True
                    if message.response_metadata or message.usage_metadata:  # the last ones
                        span.set_attributes(_response_attributes(message))
                    yield ChatGenerationChunk(message=message)
            if not answered:  # [DONE] before any chunk
                raise _malformed()
        except GeneratorExit:  # the caller stopped reading: not the upstream's failure
            span.set_attribute("colmeia.llm.outcome", "cancelled")
            raise
        except BaseException as error:
            span.record_exception(error)
            span.set_status(trace.StatusCode.ERROR, type(error).__name__)
            raise
        finally:
            span.end()

    async def _post(
        self, spec: ModelSpec, body: Mapping[str, object], span: trace.Span
    ) -> aiohttp.ClientResponse:
        """The upstream's response to ``body``, its status checked (`UpstreamStatus`)."""
        headers = {"content-type": "application/json", **spec.headers}
        if spec.api_key:
            headers["authorization"] = f"Bearer {spec.api_key}"
        propagate.inject(headers, context=trace.set_span_in_context(span))
        base = (spec.base_url or OPENAI_BASE_URL).rstrip("/")
        # Per connect and per read, as the SDKs' httpx timeout is: a stream may last longer.
        timeout = aiohttp.ClientTimeout(sock_connect=spec.timeout_s, sock_read=spec.timeout_s)
        response = await self._session().post(
            f"{base}/chat/completions",
            data=json.dumps(body),
            headers=headers,
            timeout=timeout,
            proxy=_proxy(base),
        )
        span.set_attribute("http.response.status_code", response.status)
        if response.status >= 400:
            async with response:
                raw = await response.read()
            raise UpstreamStatus(response.status, response.headers, _json_or_text(raw))
        return response

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_S)
            session = aiohttp.ClientSession(connector=connector, read_bufsize=READ_BUFFER)
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


def _attributes(spec: ModelSpec) -> dict[str, str | int]:
    base = (spec.base_url or OPENAI_BASE_URL).rstrip("/")
    return {
        **_server(base),
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": spec.provider,
        "gen_ai.request.model": spec.model,
    }


def _malformed(received: object = None) -> UpstreamStatus:
    """A 2xx whose body is not a chat completion: the provider failed (502, retried)."""
    error = received.get("error") if isinstance(received, dict) else None
    if isinstance(error, dict) and error.get("message"):  # an in-stream error event
        return UpstreamStatus(502, {}, {"error": error})
    reason = {"error": {"message": "the provider answered with a malformed completion"}}
    return UpstreamStatus(502, {}, reason)


def _response_attributes(message: AIMessage | AIMessageChunk) -> dict[str, str | int | list[str]]:
    """GenAI response attributes of an answer, or of a stream's finishing / usage chunk
    (the gateway merges a stream's chunks once; this only reads the ones that carry these)."""
    metadata = message.response_metadata
    attributes: dict[str, str | int | list[str]] = {}
    if metadata.get("finish_reason"):
        attributes["gen_ai.response.finish_reasons"] = [str(metadata["finish_reason"])]
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


def to_chunk(data: JsonDict) -> AIMessageChunk:
    """The `AIMessageChunk` of one ``chat.completion.chunk``: text and tool-call pieces; the
    finish reason and model on the chunk that finishes (chunk metadata is merged by
    concatenating strings); usage on the last one."""
    choices = data["choices"]
    choice = choices[0] if choices else {}
    delta = choice.get("delta") or {}
    pieces = [
        tool_call_chunk(
            name=(call.get("function") or {}).get("name"),
            args=(call.get("function") or {}).get("arguments"),
            id=call.get("id"),
            index=call.get("index"),
        )
        for call in delta.get("tool_calls") or ()
    ]
    metadata: JsonDict = {}
    if choice.get("finish_reason"):
        metadata = {"finish_reason": choice["finish_reason"], "model_name": data.get("model")}
    return AIMessageChunk(
        content=delta.get("content") or "",
        tool_call_chunks=pieces,
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
