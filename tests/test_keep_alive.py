"""``colmeia api`` keeps idle client connections open for ``server.keep_alive_s``.

uvicorn's own default (5 s) equals httpx's pool expiry, so a client reusing a connection at
5 s raced the server closing it and lost the request (a reset, seen under load in
``bench/gateway.py``). One real socket per case: a request, an idle gap, and what the server
did with the connection meanwhile.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from colmeia.config import Settings
from tests.limits.replicas import api_process, sqlite_settings

pytestmark = pytest.mark.slow

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: colmeia\r\n\r\n"


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Settings:
    return sqlite_settings(tmp_path, redis_url)


@contextmanager
def connection(base_url: str) -> Iterator[socket.socket]:
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        yield sock


def exchange(sock: socket.socket) -> bytes:
    """Send one request on ``sock`` and read its whole response; its status line (b"" when
    the server had closed the connection)."""
    try:
        sock.sendall(REQUEST)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                return b""
            received += chunk
        head, body = received.split(b"\r\n\r\n", 1)
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            chunk = sock.recv(4096)
            if not chunk:
                return b""
            body += chunk
    except ConnectionResetError:
        return b""
    return head.split(b"\r\n", 1)[0]


def test_an_idle_connection_outlives_uvicorns_default(settings: Settings) -> None:
    with api_process(settings, {}) as base, connection(base) as sock:
        assert exchange(sock) == b"HTTP/1.1 200 OK"
        time.sleep(6.5)  # past uvicorn's 5 s default, far below the 75 s default here
        assert exchange(sock) == b"HTTP/1.1 200 OK"


def test_the_server_closes_a_connection_idle_past_the_setting(settings: Settings) -> None:
    with (
        api_process(settings, {"COLMEIA_SERVER__KEEP_ALIVE_S": "1"}) as base,
        connection(base) as sock,
    ):
        assert exchange(sock) == b"HTTP/1.1 200 OK"
        time.sleep(3)
        assert sock.recv(1) == b""  # the server's FIN: it closed the idle connection
