"""Redis commands become spans only when ``COLMEIA_TELEMETRY__TRACE_REDIS`` asks for them.

OpenTelemetry's instrumentation is process-global, so each setting is tried in a fresh
interpreter that configures telemetry as a Colmeia process does and sends one real command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
import redis
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from colmeia.config import Settings
from colmeia.telemetry.setup import configure_telemetry

settings = Settings(_env_file=None, telemetry={"trace_redis": sys.argv[1] == "on"})
telemetry = configure_telemetry(settings, store_spans=False)
exporter = InMemorySpanExporter()
telemetry.pipeline.provider.add_span_processor(SimpleSpanProcessor(exporter))
tracer = telemetry.tracer_provider.get_tracer("probe")
with tracer.start_as_current_span("probe"):  # parentless client spans are dropped anyway
    redis.Redis.from_url(sys.argv[2]).set("colmeia:trace-redis-probe", "1", ex=5)
print(json.dumps([span.name for span in exporter.get_finished_spans()]))
"""


def _spans(setting: str, redis_url: str, data_dir: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, setting, redis_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLMEIA_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    names: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return names


@pytest.mark.parametrize(("setting", "expected"), [("off", ["probe"]), ("on", ["SET", "probe"])])
def test_redis_commands_are_spans_only_when_asked(
    setting: str, expected: list[str], redis_url: str, tmp_path: Path
) -> None:
    assert _spans(setting, redis_url, tmp_path) == expected
