"""Issue #9: 100 graph runs, each killed at a random step, all finish; completed nodes run once.

Each run names a random node (``hold_at``); its first attempt parks inside that node (after
the node's entry, and for ``tools`` after its side effect), so killing the workers then kills
each parked run exactly at its chosen step. The workers are SIGKILLed whenever they are full
of parked runs (or parking stops growing) and replaced. Afterwards every run must have
succeeded, every checkpointed node must have run exactly once (the node cut off is entered
again), and the effect applied once even when the kill landed after it.
"""

from __future__ import annotations

import random
import time

from tests.chaos import ledger
from tests.chaos.checks import assert_exactly_once, reentries
from tests.chaos.conftest import SCENARIO_MARKS, Chaos, Figures, run_body, submit
from tests.chaos.processes import lease_owner
from tests.fixtures.live import live_api, wait_for

pytestmark = SCENARIO_MARKS

# Seconds on an idle 2-core runner.
RUNS = 100
WORKERS = 2
CONCURRENCY = 10
CAPACITY = WORKERS * CONCURRENCY
LIMIT_S = 300.0
SETTLE_S = 5.0
KILLED_AT_STEP_MIN = 80
"""Scenario validity (not correctness): most runs must really die at their chosen step; a
few may be caught by a kill before reaching it and then finish without parking."""


def test_100_runs_killed_at_a_random_step_finish_with_each_node_run_once(
    chaos: Chaos, figures: Figures
) -> None:
    seed = random.randrange(2**32)
    chosen = random.Random(seed)
    holds = [chosen.choice(ledger.NODES) for _ in range(RUNS)]
    figures(f"seed {seed}: holds per node { ({node: holds.count(node) for node in ledger.NODES}) }")

    def parking() -> tuple[int, int]:
        return ledger.parking(chaos.conninfo, runs, [lease_owner(pid) for pid in fleet.alive()])

    last, since = -1, time.monotonic()

    def saturated() -> bool:
        """Every slot holds a parked run, or parking stopped growing (a slot may be busy with
        a resumed run or a duplicate delivery): time to kill."""
        nonlocal last, since
        parked, may_park = parking()
        if parked != last:
            last, since = parked, time.monotonic()
        if parked == 0:
            return False
        return parked >= min(CAPACITY, may_park) or time.monotonic() - since >= SETTLE_S

    rounds = 0
    with chaos.fleet(CONCURRENCY) as fleet, live_api(chaos.settings) as url:
        for _ in range(WORKERS):
            fleet.start()
        runs = submit(url, chaos.key, [run_body(step_s=0.05, hold_at=node) for node in holds])
        started = time.monotonic()
        while parking()[1] and time.monotonic() - started < LIMIT_S:
            assert wait_for(saturated, 60, 0.2), (
                f"runs did not reach their kill step: {ledger.status_counts(chaos.conninfo, runs)}"
                f"\n{fleet.log_tail()}"
            )
            for pid in fleet.alive():
                fleet.kill(pid)
                fleet.start()
            rounds += 1
        assert wait_for(lambda: ledger.terminal_count(chaos.conninfo, runs) == RUNS, 120, 0.5), (
            f"runs never finished: {ledger.status_counts(chaos.conninfo, runs)}\n"
            + fleet.log_tail()
        )

    evidence = assert_exactly_once(chaos.conninfo, runs)
    entered = evidence.entries_by_node()
    killed_at_step = [
        run
        for run, node in zip(runs, holds, strict=True)
        if entered[(run, node)][:1] == [1] and len(entered[(run, node)]) == 2
    ]
    recoveries = ledger.recovery_times(evidence.log, fleet.kills)
    figures(
        f"kill rounds: {rounds}; runs killed at their step and resumed: {len(killed_at_step)}; "
        f"node re-entries: {reentries(evidence)}; recovery {ledger.summary(recoveries)}"
    )
    assert len(killed_at_step) >= KILLED_AT_STEP_MIN, "too few runs died at their chosen step"
