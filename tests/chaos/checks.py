"""The verdict every chaos scenario ends with: nothing lost, nothing done twice.

Read from the database after the chaos, never from what the processes said about themselves:
the run rows (every run ``success``), the effects (exactly one recorded and applied per run,
and the remote system never called again once ``effects.once`` had recorded the call), the
node-entry counts against the checkpointed state (a node whose completion was checkpointed in
attempt *k* was entered exactly once in *k* and never after).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row

from tests.chaos.ledger import NODES, Evidence, claimed_after_finishing, read


def completed_visits(conninfo: str, threads: list[str]) -> dict[str, list[str]]:
    """thread → the ``node@attempt`` list in its latest checkpoint (what the graph completed)."""
    visits: dict[str, list[str]] = {}
    with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row) as connection:
        saver = PostgresSaver(connection)  # type: ignore[arg-type]
        for thread in threads:
            found = saver.get_tuple({"configurable": {"thread_id": thread, "checkpoint_ns": ""}})
            values: dict[str, Any] = found.checkpoint["channel_values"] if found else {}
            visits[thread] = list(values.get("visits", []))
    return visits


def node_violations(evidence: Evidence, visits: dict[str, list[str]]) -> list[str]:
    """Every way a run's nodes broke "each completed node ran once"; empty when none did."""
    entered = evidence.entries_by_node()
    problems = []
    for run, thread in evidence.threads.items():
        completions = Counter(visit.split("@")[0] for visit in visits.get(thread, []))
        for node in NODES:
            if completions[node] != 1:
                problems.append(f"{run}: {node} completed {completions[node]} times")
                continue
            attempt = next(
                int(visit.split("@")[1]) for visit in visits[thread] if visit.split("@")[0] == node
            )
            attempts = entered.get((run, node), [])
            if attempts.count(attempt) != 1 or any(later > attempt for later in attempts):
                problems.append(
                    f"{run}: {node} completed in attempt {attempt} but was entered in {attempts}"
                )
    return problems


def reentries(evidence: Evidence) -> int:
    """Node entries beyond the first: work a kill cut off and a later attempt redid."""
    return sum(len(attempts) - 1 for attempts in evidence.entries_by_node().values())


def assert_exactly_once(conninfo: str, run_ids: list[str]) -> Evidence:
    """Fail loudly, with the offending runs named, if any run was lost or did anything twice."""
    evidence = read(conninfo, run_ids)
    assert len(set(run_ids)) == len(run_ids), "a run id was handed out twice"
    lost = evidence.not_successful()
    some = dict(list(lost.items())[:10])
    assert not lost, f"{len(lost)} of {len(run_ids)} runs did not succeed: {some}"
    wrong = evidence.runs_without_exactly_one_effect()
    assert not wrong, f"runs without exactly one effect: {dict(list(wrong.items())[:10])}"
    repeated = evidence.repeated_calls()
    assert not repeated, f"effects performed again after being recorded: {repeated}"
    rerun = claimed_after_finishing(evidence.log)
    assert not rerun, f"finished runs claimed again: {rerun[:10]}"
    visits = completed_visits(conninfo, list(evidence.threads.values()))
    problems = node_violations(evidence, visits)
    assert not problems, f"{len(problems)} node violations: {problems[:10]}"
    return evidence
