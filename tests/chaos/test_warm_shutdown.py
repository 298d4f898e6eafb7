"""Issue #9: a warm shutdown (SIGTERM) during work loses nothing and re-runs nothing.

Two workers execute slow runs; each in turn gets SIGTERM while it has runs in flight and a
replacement is started. A warm shutdown drains: the runs it is executing finish there (no
node is cut off, so none is entered twice), what it had only reserved goes back to the
queue, and no finished run is ever claimed again.
"""

from __future__ import annotations

from functools import partial

from tests.chaos import ledger
from tests.chaos.checks import assert_exactly_once, reentries
from tests.chaos.conftest import SCENARIO_MARKS, Chaos, Figures, run_body, submit
from tests.chaos.processes import lease_owner
from tests.fixtures.live import live_api, wait_for

pytestmark = SCENARIO_MARKS

# Seconds on an idle 2-core runner.
RUNS = 60
WORKERS = 2
STEP_S = 0.4
"""Four steps: a run takes ~2 s, far inside the drain timeout, so every run in flight at
SIGTERM can finish where it is."""
DRAIN_LIMIT_S = 60.0


def has_claimed(conninfo: str, runs: list[str], pid: int, at_least: int) -> bool:
    """Whether worker ``pid`` has claimed ``at_least`` of ``runs`` so far."""
    owner = lease_owner(pid)
    claims = sum(
        1
        for transition in ledger.read(conninfo, runs).log
        if transition.status == "running" and transition.lease_owner == owner
    )
    return claims >= at_least


def test_sigterm_during_work_drains_without_losing_or_rerunning(
    chaos: Chaos, figures: Figures
) -> None:
    with chaos.fleet() as fleet, live_api(chaos.settings) as url:
        workers = [fleet.start() for _ in range(WORKERS)]
        runs = submit(url, chaos.key, [run_body(step_s=STEP_S)] * RUNS)
        for pid in workers:
            claimed = partial(has_claimed, chaos.conninfo, runs, pid, 2)
            assert wait_for(claimed, 60, 0.2), fleet.log_tail()
            assert fleet.terminate(pid, DRAIN_LIMIT_S), f"worker {pid} did not drain and exit"
            fleet.start()
        assert wait_for(lambda: ledger.terminal_count(chaos.conninfo, runs) == RUNS, 90, 0.5), (
            f"runs never finished: {ledger.status_counts(chaos.conninfo, runs)}\n"
            + fleet.log_tail()
        )

    evidence = assert_exactly_once(chaos.conninfo, runs)
    figures(f"node re-entries after two warm shutdowns: {reentries(evidence)}")
    assert reentries(evidence) == 0, "a warm shutdown cut a node off instead of draining"
