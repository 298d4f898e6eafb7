"""One trace per agent run, from the HTTP request to every node, tool and model call.

A ReAct graph (model → tool → model, its own ``ChatOpenAI``) runs in a real worker process
against the simulated LLM. The stored trace (``GET /runs/{id}/trace``) must have the HTTP span
as its root, the Celery task span below it, the run span below that, and a span for each node,
the tool call and both model calls, the latter with tokens, cost, cache outcome, agent and the
run's ids; every JSON log line of the request (API) and of the run (worker) names that trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from colmeia.config import Settings
from colmeia.llm.prices import NANOS_PER_USD
from tests.fixtures.live import wait_for
from tests.fixtures.metered import metered_server, run_id_of, usage_rows
from tests.fixtures.principals import create_credential
from tests.telemetry.conftest import CapturedLogs
from tests.telemetry.test_trace_e2e import flatten, worker_lines

pytestmark = pytest.mark.slow

REQUEST_ID = "req-run-trace"

# Any (below): JSON span nodes and log lines.


def chain(spans: dict[str, dict[str, Any]], node: dict[str, Any]) -> list[str]:
    """Names of ``node``'s ancestors, nearest first."""
    names = []
    parent = spans.get(node["parent_span_id"] or "")
    while parent is not None:
        names.append(parent["name"])
        parent = spans.get(parent["parent_span_id"] or "")
    return names


def fetch_trace(base: str, key: str, run_id: str) -> dict[str, Any] | None:
    """The stored trace once both processes wrote their part (HTTP span, task and LLM spans)."""
    response = httpx.get(f"{base}/runs/{run_id}/trace", headers={"x-api-key": key})
    if response.status_code != 200:
        return None
    body: dict[str, Any] = response.json()
    names = [node["name"] for _, node in flatten(body["roots"])]
    done = "run/runs.execute" in names and names.count("ChatOpenAI") == 2
    return body if done and any(n.startswith("POST /threads") for n in names) else None


def check_spans(body: dict[str, Any], run_id: str, thread_id: str, user_id: str) -> str:
    [root] = body["roots"]
    assert root["kind"] == "server"
    assert root["name"] == "POST /threads/{thread_id}/runs/wait"
    nodes = [node for _, node in flatten(body["roots"])]
    spans = {node["span_id"]: node for node in nodes}
    assert {node["trace_id"] for node in nodes} == {root["trace_id"]}
    assert not {"XADD", "XREAD"} & {node["name"] for node in nodes}  # Redis: opt-in only
    [task] = [n for n in nodes if n["name"] == "run/runs.execute"]
    assert task["kind"] == "consumer"
    assert root["name"] in chain(spans, task)
    [run] = [n for n in nodes if n["name"] == "run react"]
    assert chain(spans, run)[0] == "run/runs.execute"
    model_nodes = [n for n in nodes if n["name"] == "model"]
    [tool_node] = [n for n in nodes if n["name"] == "tools"]
    [tool] = [n for n in nodes if n["name"] == "get_weather"]
    llms = [n for n in nodes if n["name"] == "ChatOpenAI"]
    assert len(model_nodes) == len(llms) == 2
    assert tool["attributes"]["gen_ai.operation.name"] == "execute_tool"
    assert chain(spans, tool)[0] == "tools"
    for span in [*model_nodes, tool_node, tool, *llms]:
        assert "run react" in chain(spans, span)
        assert span["attributes"]["colmeia.run_id"] == run_id
        assert span["attributes"]["colmeia.thread_id"] == thread_id
        assert span["attributes"]["colmeia.user_id"] == user_id
        assert "colmeia.assistant_id" in span["attributes"]
    for llm in llms:
        attributes = llm["attributes"]
        assert chain(spans, llm)[0] == "model"
        assert attributes["gen_ai.request.model"] == "openai:gpt-4o-mini"
        assert attributes["gen_ai.agent.name"] == "model"
        assert attributes["gen_ai.usage.input_tokens"] > 0
        assert attributes["gen_ai.usage.output_tokens"] > 0
        assert attributes["colmeia.llm.cost_usd"] > 0
        assert attributes["colmeia.cache.hit"] is False
    return str(root["trace_id"])


def check_logs(logs: CapturedLogs, log: Path, trace_id: str, run_id: str) -> None:
    api = [line for line in logs.lines() if line.get("request_id") == REQUEST_ID]
    assert {line.get("logger") for line in api} >= {"colmeia.access"}
    assert {line.get("trace_id") for line in api} == {trace_id}
    worker = [line for line in worker_lines(log) if line.get("run_id") == run_id]
    assert any(line.get("logger") == "colmeia.runs" for line in worker), log.read_text()
    assert {line.get("trace_id") for line in worker} == {trace_id}
    assert {line.get("request_id") for line in worker} == {REQUEST_ID}


class TestRunTrace:
    def test_request_task_run_nodes_tools_and_model_calls_in_one_trace(
        self,
        settings: Settings,
        json_logs: CapturedLogs,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("COLMEIA_TELEMETRY__LOG_FORMAT", "json")
        credential = create_credential(settings)
        headers = {"x-api-key": credential.key}
        log = tmp_path / "worker.log"
        with metered_server(settings, log) as base:
            thread = httpx.post(f"{base}/threads", json={}, headers=headers).json()["thread_id"]
            response = httpx.post(
                f"{base}/threads/{thread}/runs/wait",
                json={
                    "assistant_id": "react",
                    "input": {"messages": [{"role": "user", "content": "Weather in Lisbon?"}]},
                },
                headers={**headers, "X-Request-ID": REQUEST_ID},
                timeout=240,
            )
            assert response.status_code == 200, response.text
            run_id = run_id_of(response.headers["content-location"])
            assert wait_for(lambda: fetch_trace(base, credential.key, run_id), timeout_s=40), (
                log.read_text()
            )
            body = fetch_trace(base, credential.key, run_id)
            assert body is not None
            # The spans' cost is the usage rows' cost. The worker's usage ledger writes its
            # buffer every 0.5 s (usage/ledger.py), so wait for the rows while it still runs.
            llms = [n for _, n in flatten(body["roots"]) if n["name"] == "ChatOpenAI"]
            assert wait_for(lambda: len(usage_rows(settings, run_id)) >= len(llms), timeout_s=20), (
                log.read_text()
            )
        trace_id = check_spans(body, run_id, thread, str(credential.user_id))
        check_logs(json_logs, log, trace_id, run_id)
        rows = usage_rows(settings, run_id)
        spans_nusd = sum(n["attributes"]["colmeia.llm.cost_usd"] for n in llms) * NANOS_PER_USD
        assert round(spans_nusd) == sum(row.cost_nusd for row in rows)
