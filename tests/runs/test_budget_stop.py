"""An exhausted budget stops a run: status ``error``, ``budget_exhausted``, partial answer.

A real worker runs an unchanged graph (its own ``ChatOpenAI``) against the simulated LLM, for a
user whose lifetime budget holds exactly one call's reservation (prompt estimate + the default
1024 output tokens) plus 5 tokens. The first run passes and spends the reported tokens; the same
question on another thread can no longer be reserved, so the call is never made.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langgraph_sdk import get_sync_client

from colmeia.budgets.hook import DEFAULT_OUTPUT_ESTIMATE
from colmeia.config import Settings
from colmeia.llm.tokens import estimate_messages
from colmeia.models import BudgetScope, RunStatus
from tests.fixtures.live import wait_for
from tests.fixtures.metered import (
    create_budget,
    metered_server,
    run_row,
    spent,
    usage_rows,
    user_tokens,
)
from tests.fixtures.principals import create_credential

pytestmark = pytest.mark.slow

QUESTION = "What is a budget?"
RUNS = 200
BUDGET = 100_000
LONG_QUESTION = "Summarise the quarterly budget review for the operations team. " * 100
"""About 1,100 prompt tokens: 200 runs of it need twice the budget."""


def human(text: str) -> dict[str, list[dict[str, str]]]:
    return {"messages": [{"role": "user", "content": text}]}


class TestBudgetExhausted:
    def test_second_run_stops_with_budget_exhausted_and_its_partial_answer(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        credential = create_credential(settings)
        one_call = estimate_messages([HumanMessage(QUESTION)]) + DEFAULT_OUTPUT_ESTIMATE
        line = create_budget(
            settings, credential.tenant_id, BudgetScope.user, credential.user_id, one_call + 5
        )
        log = tmp_path / "worker.log"
        with (
            metered_server(settings, log) as base,
            get_sync_client(url=base, api_key=credential.key) as client,
        ):
            first = client.threads.create()["thread_id"]
            passed = client.runs.wait(first, "chat", input=human(QUESTION))
            [first_run] = client.runs.list(first)
            assert isinstance(passed, dict)
            assert [m["type"] for m in passed["messages"]] == ["human", "ai"]

            second = client.threads.create()["thread_id"]
            parts = list(client.runs.stream(second, "chat", input=human(QUESTION)))
            [error] = [part.data for part in parts if part.event == "error"]
            assert error["error"] == "budget_exhausted"
            assert error["details"]["scope"] == "user"
            [run] = client.runs.list(second)
            assert run["status"] == "error"
            joined = client.runs.join(second, run["run_id"])
            assert joined["__error__"]["error"] == "budget_exhausted"
            assert [m["content"] for m in joined["messages"]] == [QUESTION]  # the partial answer

            # The SDK raises a plain Exception for an errored wait (raise_error=True).
            with pytest.raises(Exception, match="^budget_exhausted: "):
                client.runs.wait(second, "chat", input=human("and now?"))
            response = httpx.post(
                f"{base}/threads/{second}/runs/wait",
                json={"assistant_id": "chat", "input": human("still there?")},
                headers={"x-api-key": credential.key},
                timeout=240,
            )
        assert response.status_code == 200
        body = response.json()
        assert body["__error__"]["error"] == "budget_exhausted"
        assert [m["type"] for m in body["messages"]] == ["human"] * 3
        stored = run_row(settings, run["run_id"])
        assert stored.status == RunStatus.error
        assert stored.error is not None
        assert stored.error.startswith("budget_exhausted: ")
        # Only the first call was made and spent; the refused ones reserved nothing.
        assert wait_for(lambda: usage_rows(settings, first_run["run_id"]), timeout_s=10)
        [row] = usage_rows(settings, first_run["run_id"])
        assert spent(settings, line).tokens == row.input_tokens + row.output_tokens
        assert not usage_rows(settings, run["run_id"])


class TestConcurrentRuns:
    def test_200_concurrent_runs_against_a_100k_token_budget(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        """Overspend at most one reservation, never negative, and what the budget counts is
        the provider's reported usage (the usage rows) to within 1 %."""
        credential = create_credential(settings)
        line = create_budget(
            settings, credential.tenant_id, BudgetScope.user, credential.user_id, BUDGET
        )
        reservation = estimate_messages([HumanMessage(LONG_QUESTION)]) + DEFAULT_OUTPUT_ESTIMATE
        run = {"assistant_id": "chat", "input": human(LONG_QUESTION), "on_completion": "keep"}
        with (
            metered_server(settings, tmp_path / "worker.log") as base,
            get_sync_client(url=base, api_key=credential.key, timeout=240) as client,
        ):
            created = [r for _ in range(RUNS // 100) for r in client.runs.create_batch([run] * 100)]
            for each in created:
                client.runs.join(each["thread_id"], each["run_id"])
            finished = [client.runs.get(r["thread_id"], r["run_id"]) for r in created]
        statuses = [r["status"] for r in finished]
        assert set(statuses) == {"success", "error"}, statuses  # the budget ran out mid-way
        refused = [r for r in finished if r["status"] == "error"]
        assert all(run_row(settings, r["run_id"]).error.startswith("budget_exhausted: ")
                   for r in refused)  # fmt: skip
        passed = statuses.count("success")
        assert wait_for(lambda: user_tokens(settings, credential.user_id)[0] == passed, 30)
        _, reported = user_tokens(settings, credential.user_id)
        counted = spent(settings, line).tokens
        assert 0 <= counted <= BUDGET + reservation
        assert abs(counted - reported) <= reported / 100
