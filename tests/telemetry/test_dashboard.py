"""The shipped Grafana dashboard queries only metrics Colmeia exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from colmeia.telemetry.metrics import DECLARED

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "colmeia.json"


def test_every_query_names_a_declared_family() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for expr in exprs
        for name in re.findall(r"\bcolmeia_[a-z_]+", expr)
    }
    declared = {metric.describe()[0].name for metric in DECLARED}
    assert used <= declared
    assert declared <= used, f"families without a panel: {declared - used}"
