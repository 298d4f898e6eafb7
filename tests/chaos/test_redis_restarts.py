"""Issue #9: 200 runs across 3 restarts of the Redis server (broker, events, heartbeats).

A private Redis with AOF (never the shared one) is restarted three times while runs are
queued and running: twice with SIGKILL (a crash: only the AOF survives), once with a clean
SHUTDOWN. No run may be lost, and after each restart the workers must be consuming again —
measured from the ledger as the first claim after the server answered again (not the first
claim of the next wave, which waits behind the runs still queued from before).
"""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime
from functools import partial

from tests.chaos import ledger
from tests.chaos.checks import assert_exactly_once
from tests.chaos.conftest import SCENARIO_MARKS, Chaos, Figures, run_body, submit
from tests.chaos.processes import pause
from tests.fixtures.live import live_api, wait_for

pytestmark = SCENARIO_MARKS

# Seconds on an idle 2-core runner.
RUNS = 200
WAVES = 4
WORKERS = 2
OUTAGE_S = 1.0
"""How long Redis stays down on each restart (pacing of the chaos, not an assertion)."""
CONSUME_BOUND_S = 30.0


def restart_redis(chaos: Chaos, crash: bool) -> datetime:
    """Restart the private Redis; returns when it answers again."""
    if crash:
        pid = chaos.redis.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: chaos.redis.pid is None, 10, 0.01)
    else:
        chaos.redis.stop()
    pause(OUTAGE_S)
    chaos.redis.start()
    return datetime.now(UTC)


def test_200_runs_survive_3_redis_restarts(chaos: Chaos, figures: Figures) -> None:
    runs: list[str] = []
    consumed_after: list[float] = []
    back_at: datetime | None = None
    with chaos.fleet() as fleet, live_api(chaos.settings) as url:
        for _ in range(WORKERS):
            fleet.start()
        for wave in range(WAVES):
            batch = submit(url, chaos.key, [run_body(step_s=0.2)] * (RUNS // WAVES))
            runs += batch
            if back_at is not None:
                # A worker's consumer drops what it had reserved when the broker connection
                # breaks, so a claim after the restart came through the new server.
                claimed = partial(ledger.first_claim_after, chaos.conninfo, back_at)
                assert wait_for(claimed, 60, 0.2), (
                    f"workers did not consume after Redis restart {wave}\n{fleet.log_tail()}"
                )
                first = ledger.first_claim_after(chaos.conninfo, back_at)
                assert first is not None
                consumed_after.append((first - back_at).total_seconds())
            if wave < WAVES - 1:
                back_at = restart_redis(chaos, crash=wave != 1)
        assert wait_for(lambda: ledger.terminal_count(chaos.conninfo, runs) == RUNS, 120, 0.5), (
            f"runs never finished: {ledger.status_counts(chaos.conninfo, runs)}\n"
            + fleet.log_tail()
        )

    assert_exactly_once(chaos.conninfo, runs)
    figures(f"first claim after each Redis restart: {[f'{s:.2f}s' for s in consumed_after]}")
    assert len(consumed_after) == WAVES - 1
    assert max(consumed_after) <= CONSUME_BOUND_S
