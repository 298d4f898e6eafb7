"""Shared benchmark reporting: percentiles, and one section per benchmark in docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
import timeit
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEach section is rewritten by its `bench/` script (`./dev bench NAME`).\n"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation, as numpy's default does."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: list[float]) -> tuple[float, float]:
    """(median, p95)."""
    return statistics.median(values), percentile(values, 95)


def cpu_reference_ms() -> float:
    """Milliseconds for ``sum(range(10**6))``, best of 5: a yardstick for sections measured on
    different machines (seen on machines of the same kind here: 10 ms on one, 18-27 on another,
    and every figure of a CPU-bound bench moved with it)."""
    return min(timeit.repeat("sum(range(10**6))", number=5, repeat=5)) / 5 * 1000


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    return (
        f"{platform.machine()} ({_cpu_model()}), {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; CPU yardstick `sum(range(10**6))` "
        f"{cpu_reference_ms():.1f} ms"
    )


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section ``name`` of docs/benchmarks.md with ``body``."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else HEADER
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (
        f"<!-- bench:{name} -->\n## {name}\n\n_Measured {stamp} on {machine()}._\n\n"
        f"{body.strip()}\n<!-- /bench:{name} -->"
    )
    pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    DOC.write_text(text)
