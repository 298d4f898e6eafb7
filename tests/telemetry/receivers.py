"""Local servers speaking the wire protocols of the SaaS sinks, for their real clients.

* OTLP/HTTP: ``POST /v1/traces`` with a protobuf ``ExportTraceServiceRequest``;
* LangSmith: ``GET /info`` and ``POST /runs/multipart`` (what the ``langsmith`` client sends);
* Sentry: ``POST /api/<project>/envelope/`` with a (compressed) envelope.

Each records the raw requests; the tests decode them with the protocols' own libraries.
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from sentry_sdk.envelope import Envelope


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)

    def posts(self, path_part: str) -> list[Received]:
        return [r for r in self.requests if r.method == "POST" and path_part in r.path]

    def text(self) -> str:
        """Everything received, decoded as far as the protocol allows, as one string."""
        return "\n".join(decode(r) for r in self.requests)


def _decompress(request: Received) -> bytes:
    encoding = request.headers.get("content-encoding", "")
    if encoding == "gzip":
        return gzip.decompress(request.body)
    if encoding == "deflate":
        return zlib.decompress(request.body)
    if encoding == "br":
        import brotli  # type: ignore[import-not-found,unused-ignore]

        data: bytes = brotli.decompress(request.body)
        return data
    if encoding == "zstd":
        import zstandard  # type: ignore[import-not-found,unused-ignore]

        return zstandard.ZstdDecompressor().decompressobj().decompress(request.body)
    return request.body


def otlp_spans(receiver: Receiver) -> list[ExportTraceServiceRequest]:
    return [
        ExportTraceServiceRequest.FromString(_decompress(r)) for r in receiver.posts("/v1/traces")
    ]


def sentry_envelopes(receiver: Receiver) -> list[Envelope]:
    return [Envelope.deserialize(_decompress(r)) for r in receiver.posts("/envelope/")]


def decode(request: Received) -> str:
    body = _decompress(request)
    if request.path.endswith("/v1/traces"):
        return str(ExportTraceServiceRequest.FromString(body))
    if "/envelope/" in request.path:
        envelope = Envelope.deserialize(body)
        return "\n".join(
            json.dumps(item.payload.json) if item.payload.json is not None else repr(item)
            for item in envelope.items
        ) + json.dumps(envelope.headers)
    return (
        request.path + "\n" + json.dumps(request.headers) + "\n" + body.decode("utf-8", "replace")
    )


def _handler(receiver: Receiver, info: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _record(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.requests.append(Received(method, self.path, headers, body))

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._record("GET")
            if self.path.rstrip("/").endswith("/info"):
                self._answer(200, info, "application/json")
            else:
                self._answer(404, b"{}", "application/json")

        def do_POST(self) -> None:
            self._record("POST")
            if self.path.endswith("/v1/traces"):
                payload = ExportTraceServiceResponse().SerializeToString()
                self._answer(200, payload, "application/x-protobuf")
            else:
                self._answer(200, b"{}", "application/json")

        do_PATCH = do_POST
        do_PUT = do_POST

    return Handler


LANGSMITH_INFO = json.dumps(
    {
        "version": "0.10.0",
        "batch_ingest_config": {
            "use_multipart_endpoint": True,
            "scale_up_qsize_trigger": 1000,
            "scale_up_nthreads_limit": 16,
            "scale_down_nempty_trigger": 4,
            "size_limit": 100,
            "size_limit_bytes": 20_971_520,
        },
    }
).encode()


@contextmanager
def receiver(info: bytes = LANGSMITH_INFO) -> Iterator[Receiver]:
    """A recording HTTP server on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state, info)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
