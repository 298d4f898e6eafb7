"""Redis commands and SQL statements become spans only when the settings ask for them.

OpenTelemetry's instrumentation is process-global, so each setting is tried in a fresh
interpreter that configures telemetry as a Colmeia process does and sends one real Redis
command or SQL statement (through an engine the app's way: created, then instrumented).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import asyncio, json, sys
import redis
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text
from colmeia.config import Settings
from colmeia.db import create_engine
from colmeia.telemetry.setup import configure_telemetry

kind, setting, url = sys.argv[1:]
settings = Settings(_env_file=None, telemetry={f"trace_{kind}": setting == "on"})
telemetry = configure_telemetry(settings, store_spans=False)
exporter = InMemorySpanExporter()
telemetry.pipeline.provider.add_span_processor(SimpleSpanProcessor(exporter))
tracer = telemetry.tracer_provider.get_tracer("probe")


async def select_one() -> None:
    engine = create_engine(url)
    telemetry.instrument_engine(engine)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    await engine.dispose()


with tracer.start_as_current_span("probe"):  # parentless client spans are dropped anyway
    if kind == "redis":
        redis.Redis.from_url(url).set("colmeia:trace-redis-probe", "1", ex=5)
    else:
        asyncio.run(select_one())
print(json.dumps([span.name for span in exporter.get_finished_spans()]))
"""


def _spans(kind: str, setting: str, url: str, data_dir: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, kind, setting, url],
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
    assert _spans("redis", setting, redis_url, tmp_path) == expected


@pytest.mark.parametrize(("setting", "expected"), [("off", ["probe"]), ("on", ["SELECT", "probe"])])
def test_sql_statements_are_spans_only_when_asked(
    setting: str, expected: list[str], database_url: str, tmp_path: Path
) -> None:
    names = _spans("sql", setting, database_url, tmp_path)
    # A SQL span is named by its operation and the database ("SELECT colmeia_test_…").
    assert [name.split()[0] for name in names] == expected
