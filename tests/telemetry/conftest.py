"""Captured JSON logs and helpers shared by the telemetry tests."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from colmeia.config import Settings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.logging import HANDLER_NAME, configure_logging


@dataclass
class CapturedLogs:
    stream: io.StringIO

    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        # Any: one decoded JSON log line.
        return [json.loads(line) for line in self.text().splitlines() if line.strip()]


@pytest.fixture
def json_logs() -> Iterator[CapturedLogs]:
    """This process's logs as JSON lines in memory (the API under test runs in-process)."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    configure_logging("INFO", json_output=True, stream=stream)
    yield CapturedLogs(stream)
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def private_broker(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """``settings`` on a Redis of this test's own: the suite's shared Redis may have other
    workers (other suites, other processes) consuming the default queue."""
    with EmbeddedRedis(tmp_path / "private-redis", load_falkordb=False) as embedded:
        settings.redis.url = embedded.url
        yield settings


@pytest.fixture
def reset_telemetry(settings: Settings) -> Iterator[None]:
    """Turn Sentry, LangSmith and OTLP off again after a test that turned them on, so later
    tests in this process do not send to a receiver that is gone."""
    yield
    from colmeia.telemetry.setup import configure_telemetry

    quiet = settings.model_copy(deep=True)
    quiet.telemetry = type(settings.telemetry)()
    configure_telemetry(quiet).flush()
