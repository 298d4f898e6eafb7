"""Smoke: the ledger graph runs end to end and leaves its evidence (no chaos)."""

from __future__ import annotations

import pytest

from tests.chaos import ledger
from tests.chaos.checks import assert_exactly_once, reentries
from tests.chaos.conftest import Chaos, run_body, submit
from tests.fixtures.live import live_api, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def test_ledger_graph_leaves_evidence(chaos: Chaos) -> None:
    with chaos.fleet() as fleet, live_api(chaos.settings) as url:
        fleet.start()
        runs = submit(url, chaos.key, [run_body() for _ in range(10)])
        assert wait_for(lambda: ledger.terminal_count(chaos.conninfo, runs) == 10, 90), (
            fleet.log_tail()
        )
    evidence = assert_exactly_once(chaos.conninfo, runs)
    assert reentries(evidence) == 0  # nothing was killed: every node entered exactly once
