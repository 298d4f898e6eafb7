"""Issue #9: the API SIGKILLed during 200 submissions with ``Idempotency-Key``; clients retry.

The API runs as its own ``colmeia api`` process. 200 clients each create a run with their
own ``Idempotency-Key`` (and thread), concurrently; the API is SIGKILLed while they are in
flight, so some requests were committed without the client hearing back, some never arrived.
After a restart every client retries its exact request. Each key must then own exactly one
run — the one the first answered request returned, if any — and every run must execute once.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.chaos import ledger
from tests.chaos.checks import assert_exactly_once
from tests.chaos.conftest import SCENARIO_MARKS, Chaos, Figures, run_body
from tests.chaos.processes import ApiProcess
from tests.fixtures.live import wait_for

pytestmark = SCENARIO_MARKS

# Seconds on an idle 2-core runner.
KEYS = 200
PARALLEL = 16
KILL_AFTER = 60
"""Answered requests before the kill: a third of the way in, with others in flight."""


@dataclass
class Client:
    """One client's request, replayed verbatim on retry."""

    key: str
    thread_id: str
    body: dict[str, Any]
    first: str | None = None
    """The run id the first attempt got back (None: no answer)."""

    def send(self, base_url: str, api_key: str) -> httpx.Response:
        return httpx.post(
            f"{base_url}/threads/{self.thread_id}/runs",
            json=self.body,
            headers={"x-api-key": api_key, "Idempotency-Key": self.key},
            timeout=30,
        )


def runs_per_key(conninfo: str, keys: list[str]) -> dict[str, list[str]]:
    """key → the run rows created under it, read from the ledger (metadata written by us)."""
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT metadata::jsonb ->> 'chaos_key', id::text FROM runs "
            "WHERE metadata::jsonb ->> 'chaos_key' = ANY(%s)",
            (keys,),
        ).fetchall()
    found: dict[str, list[str]] = {key: [] for key in keys}
    for key, run in rows:
        found[key].append(run)
    return found


def test_api_sigkill_during_idempotent_submissions_makes_one_run_per_key(
    chaos: Chaos, tmp_path: Path, figures: Figures
) -> None:
    clients = [
        Client(key, str(uuid.uuid4()), run_body(metadata={"chaos_key": key}))
        for key in (f"chaos-{uuid.uuid4().hex}" for _ in range(KEYS))
    ]
    api = ApiProcess(chaos.env, tmp_path / "api")
    answered = 0
    lock = threading.Lock()

    def first_try(client: Client) -> None:
        nonlocal answered
        try:
            response = client.send(api.url, chaos.key)
        except httpx.HTTPError:
            return  # the API died under this request
        if response.status_code == 200:
            client.first = str(response.json()["run_id"])
            with lock:
                answered += 1

    with chaos.fleet() as fleet:
        fleet.start()
        try:
            api.start()
            with ThreadPoolExecutor(PARALLEL) as pool:
                pool.map(first_try, clients)
                assert wait_for(lambda: answered >= KILL_AFTER, 120, 0.01), "API too slow"
                api.kill()
            answered_before_kill = sum(client.first is not None for client in clients)
            api.start()
            retried = {client.key: client.send(api.url, chaos.key) for client in clients}
        finally:
            api.stop()
        problems = {
            key: (response.status_code, response.text[:200])
            for key, response in retried.items()
            if response.status_code != 200
        }
        assert not problems, f"retries refused: {dict(list(problems.items())[:5])}"
        changed = [
            client.key
            for client in clients
            if client.first is not None and client.first != retried[client.key].json()["run_id"]
        ]
        assert not changed, f"a retry got a different run than the first answer: {changed[:5]}"

        per_key = runs_per_key(chaos.conninfo, [client.key for client in clients])
        wrong = {key: runs for key, runs in per_key.items() if len(runs) != 1}
        assert not wrong, f"keys without exactly one run: {dict(list(wrong.items())[:5])}"
        runs = [runs[0] for runs in per_key.values()]
        assert sorted(runs) == sorted(str(r.json()["run_id"]) for r in retried.values())
        assert wait_for(lambda: ledger.terminal_count(chaos.conninfo, runs) == KEYS, 120, 0.5), (
            f"runs never finished: {ledger.status_counts(chaos.conninfo, runs)}\n"
            + fleet.log_tail()
        )

    assert_exactly_once(chaos.conninfo, runs)
    figures(
        f"API killed after {answered_before_kill} of {KEYS} answers "
        f"({KEYS - answered_before_kill} unanswered, retried onto their committed run or a new "
        f"one); one run per key"
    )
