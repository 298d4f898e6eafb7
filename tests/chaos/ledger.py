"""The chaos suite's evidence: tables the test graph writes, and a log of every run transition.

``chaos_node_entries`` (one row each time a node starts), ``chaos_world`` (the remote system's
effects, one per key) and ``chaos_effect_calls`` (every call the remote system received) are
written by ``project/ledger_graph.py`` inside the workers; ``run_effects`` is Colmeia's own
idempotency ledger. ``chaos_run_log`` is filled by a
trigger on ``runs`` with the database's own clock, so claim and finish times come from the
ledger itself rather than from sampling it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

import psycopg

TERMINAL = frozenset({"success", "error", "timeout", "interrupted"})
NODES = ("plan", "agent", "tools", "report")

SCHEMA = """
CREATE TABLE chaos_node_entries (
    id bigserial PRIMARY KEY,
    run_id uuid NOT NULL,
    node text NOT NULL,
    attempt int NOT NULL,
    pid int NOT NULL,
    entered_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE chaos_world (
    idempotency_key text PRIMARY KEY,
    run_id uuid NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE chaos_effect_calls (
    id bigserial PRIMARY KEY,
    idempotency_key text NOT NULL,
    run_id uuid NOT NULL,
    attempt int NOT NULL,
    pid int NOT NULL,
    called_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE chaos_run_log (
    id bigserial PRIMARY KEY,
    run_id uuid NOT NULL,
    status text NOT NULL,
    attempt int NOT NULL,
    lease_owner text,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION chaos_log_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A finish clears the lease: log who held it, so "finished by" is known.
    INSERT INTO chaos_run_log (run_id, status, attempt, lease_owner)
    VALUES (NEW.id, NEW.status, NEW.attempt,
            CASE WHEN TG_OP = 'UPDATE' THEN COALESCE(NEW.lease_owner, OLD.lease_owner)
                 ELSE NEW.lease_owner END);
    RETURN NEW;
END $$;
CREATE TRIGGER chaos_run_inserted AFTER INSERT ON runs
    FOR EACH ROW EXECUTE FUNCTION chaos_log_run();
CREATE TRIGGER chaos_run_moved AFTER UPDATE ON runs FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.attempt IS DISTINCT FROM NEW.attempt)
    EXECUTE FUNCTION chaos_log_run();
"""


def install(conninfo: str) -> None:
    """Create the evidence tables and the run-log trigger in a migrated database."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(SCHEMA)  # type: ignore[arg-type]  # a fixed script, no parameters


@dataclass(frozen=True)
class Transition:
    run_id: str
    status: str
    attempt: int
    lease_owner: str | None
    at: datetime


@dataclass(frozen=True)
class Kill:
    """A worker SIGKILLed at ``at`` (wall clock, UTC): ``owner`` is the lease owner it wrote."""

    owner: str
    at: datetime


@dataclass
class Evidence:
    """Everything the ledger says about a set of runs, read once at the end of a scenario."""

    statuses: dict[str, str]
    threads: dict[str, str]
    """run → its thread (one thread per run in this suite)."""
    errors: dict[str, str | None]
    entries: list[tuple[str, str, int]]
    effects: dict[str, tuple[str, int, bool]]
    """idempotency key → (run, attempt, completed) in Colmeia's ``run_effects``."""
    calls: list[tuple[str, int]]
    """(key, attempt) of every call the remote system received, in order."""
    world_by_run: Counter[str]
    log: list[Transition]

    def not_successful(self) -> dict[str, tuple[str, str | None]]:
        return {
            run: (status, self.errors[run])
            for run, status in self.statuses.items()
            if status != "success"
        }

    def runs_without_exactly_one_effect(self) -> dict[str, tuple[int, int]]:
        """run → (effects recorded complete, effects in the remote system), where not (1, 1)."""
        recorded = Counter(run for run, _, completed in self.effects.values() if completed)
        found = {
            run: (recorded.get(run, 0), self.world_by_run.get(run, 0)) for run in self.statuses
        }
        return {run: counts for run, counts in found.items() if counts != (1, 1)}

    def repeated_calls(self) -> dict[str, list[int]]:
        """key → attempts of its calls, where the remote system was called again in or after
        the attempt that recorded the effect: a duplicate the ledger should have prevented."""
        attempts: dict[str, list[int]] = defaultdict(list)
        for key, attempt in self.calls:
            attempts[key].append(attempt)
        return {
            key: made
            for key, made in attempts.items()
            if key not in self.effects
            or [a for a in made if a >= self.effects[key][1]] != [self.effects[key][1]]
        }

    def calls_cut_off(self) -> int:
        """Calls an earlier attempt made but died before recording: repeated by design
        (``effects.once`` documents the gap; the key makes the remote side absorb it)."""
        effects = self.effects
        return sum(1 for key, attempt in self.calls if key in effects and attempt < effects[key][1])

    def entries_by_node(self) -> dict[tuple[str, str], list[int]]:
        """(run, node) → the attempts in which the node was entered, in order."""
        found: dict[tuple[str, str], list[int]] = defaultdict(list)
        for run, node, attempt in self.entries:
            found[(run, node)].append(attempt)
        return found


def read(conninfo: str, run_ids: list[str]) -> Evidence:
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT id::text, thread_id::text, status, error FROM runs WHERE id = ANY(%s::uuid[])",
            (run_ids,),
        ).fetchall()
        entries = connection.execute(
            "SELECT run_id::text, node, attempt FROM chaos_node_entries "
            "WHERE run_id = ANY(%s::uuid[]) ORDER BY id",
            (run_ids,),
        ).fetchall()
        effects = connection.execute(
            "SELECT key, run_id::text, attempt, completed_at IS NOT NULL FROM run_effects "
            "WHERE run_id = ANY(%s::uuid[])",
            (run_ids,),
        ).fetchall()
        calls = connection.execute(
            "SELECT idempotency_key, attempt FROM chaos_effect_calls "
            "WHERE run_id = ANY(%s::uuid[]) ORDER BY id",
            (run_ids,),
        ).fetchall()
        world = connection.execute(
            "SELECT run_id::text FROM chaos_world WHERE run_id = ANY(%s::uuid[])", (run_ids,)
        ).fetchall()
        log = connection.execute(
            "SELECT run_id::text, status, attempt, lease_owner, at FROM chaos_run_log "
            "WHERE run_id = ANY(%s::uuid[]) ORDER BY id",
            (run_ids,),
        ).fetchall()
    statuses = {run: status for run, _, status, _ in rows}
    missing = set(run_ids) - set(statuses)
    for run in missing:  # a run row that vanished is lost
        statuses[run] = "missing"
    return Evidence(
        statuses=statuses,
        threads={run: thread for run, thread, _, _ in rows},
        errors={run: error for run, _, _, error in rows} | dict.fromkeys(missing),
        entries=[(run, node, attempt) for run, node, attempt in entries],
        effects={key: (run, attempt, completed) for key, run, attempt, completed in effects},
        calls=[(key, attempt) for key, attempt in calls],
        world_by_run=Counter(run for (run,) in world),
        log=[Transition(*row) for row in log],
    )


def terminal_count(conninfo: str, run_ids: list[str]) -> int:
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(
            "SELECT count(*) FROM runs WHERE id = ANY(%s::uuid[]) AND status = ANY(%s)",
            (run_ids, list(TERMINAL)),
        ).fetchone()
    assert row is not None
    return int(row[0])


def first_claim_after(conninfo: str, since: datetime) -> datetime | None:
    """When a worker first claimed any run after ``since`` (None: not yet)."""
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(
            "SELECT min(at) FROM chaos_run_log WHERE status = 'running' AND at > %s", (since,)
        ).fetchone()
    return None if row is None else row[0]


def first_claim(conninfo: str, run_ids: list[str]) -> datetime | None:
    """When the first of ``run_ids`` was claimed by a worker (None: not yet)."""
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(
            "SELECT min(at) FROM chaos_run_log WHERE status = 'running' "
            "AND run_id = ANY(%s::uuid[])",
            (run_ids,),
        ).fetchone()
    return None if row is None else row[0]


def orphaned_by(log: list[Transition], kill: Kill) -> list[tuple[str, int]]:
    """(run, attempt) pairs the killed worker held at the moment it died."""
    by_run: dict[str, list[Transition]] = defaultdict(list)
    for transition in log:
        by_run[transition.run_id].append(transition)
    held = []
    for run, transitions in by_run.items():
        for index, transition in enumerate(transitions):
            if transition.status != "running" or transition.lease_owner != kill.owner:
                continue
            if transition.at > kill.at:
                continue
            after = transitions[index + 1] if index + 1 < len(transitions) else None
            if after is None or after.at > kill.at:
                held.append((run, transition.attempt))
    return held


def recovery_times(log: list[Transition], kills: list[Kill]) -> list[float]:
    """Seconds from each kill to the re-claim of every run the killed worker held.

    A run never re-claimed counts as infinite, so a bound on these figures also fails loudly
    on a run the reaper forgot.
    """
    times = []
    for kill in kills:
        for run, attempt in orphaned_by(log, kill):
            reclaimed = [
                transition.at
                for transition in log
                if transition.run_id == run
                and transition.status == "running"
                and transition.attempt > attempt
            ]
            times.append((min(reclaimed) - kill.at).total_seconds() if reclaimed else float("inf"))
    return times


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(values: list[float]) -> str:
    if not values:
        return "n=0"
    return (
        f"n={len(values)} median={statistics.median(values):.2f}s "
        f"p95={percentile(values, 0.95):.2f}s max={max(values):.2f}s"
    )


def status_counts(conninfo: str, run_ids: list[str]) -> dict[str, int]:
    """How many of ``run_ids`` are in each status (for failure messages)."""
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT status, count(*) FROM runs WHERE id = ANY(%s::uuid[]) GROUP BY status",
            (run_ids,),
        ).fetchall()
    return {status: int(count) for status, count in rows}


def claimed_after_finishing(log: list[Transition]) -> list[str]:
    """Runs claimed again after the ledger had recorded them finished: a finished run re-run."""
    finished: set[str] = set()
    offenders = []
    for transition in log:
        if transition.status in TERMINAL:
            finished.add(transition.run_id)
        elif transition.status == "running" and transition.run_id in finished:
            offenders.append(transition.run_id)
    return offenders


def parking(conninfo: str, run_ids: list[str], owners: list[str]) -> tuple[int, int]:
    """(runs parked at their ``hold_at`` step in attempt 1, runs that may still park there),
    counting only runs held by the live workers ``owners``: a killed worker's runs still
    look ``running`` until their lease expires.

    A run may still park while it waits for its first claim or runs its first attempt.
    """
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(
            """
            SELECT
                count(*) FILTER (WHERE r.status = 'running' AND r.attempt = 1
                    AND r.lease_owner = ANY(%s) AND EXISTS (
                    SELECT 1 FROM chaos_node_entries e
                    WHERE e.run_id = r.id AND e.attempt = 1
                      AND e.node = (r.kwargs::jsonb -> 'input' ->> 'hold_at'))),
                count(*) FILTER (WHERE (r.status = 'pending' AND r.attempt = 0)
                    OR (r.status = 'running' AND r.attempt = 1 AND r.lease_owner = ANY(%s)))
            FROM runs r WHERE r.id = ANY(%s::uuid[])
            """,
            (owners, owners, run_ids),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def productive(conninfo: str, finished: int) -> dict[str, datetime]:
    """Lease owner → when it first claimed a run, for each worker that holds a run right now
    and has already finished at least ``finished`` runs."""
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT l.lease_owner, min(l.at) FROM chaos_run_log l "
            "WHERE l.status = 'running' "
            "AND l.lease_owner IN (SELECT lease_owner FROM runs WHERE status = 'running') "
            "AND l.lease_owner IN (SELECT lease_owner FROM chaos_run_log "
            "                      WHERE status = ANY(%s) GROUP BY lease_owner "
            "                      HAVING count(*) >= %s) "
            "GROUP BY l.lease_owner",
            (list(TERMINAL), finished),
        ).fetchall()
    return {owner: at for owner, at in rows}
