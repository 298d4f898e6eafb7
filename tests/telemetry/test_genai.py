"""LangChain calls traced by the OpenInference instrumentation, with GenAI attributes.

A direct LangChain call to the simulated LLM (the real ``openai`` client over HTTP) inside a
run's span: the stored trace has the LLM span with model and token counts under the GenAI
semantic conventions, and the provider HTTP call below it.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from colmeia.config import Settings
from colmeia.simllm.testing import running_sim_llm
from colmeia.telemetry.context import annotate
from colmeia.telemetry.setup import configure_telemetry
from tests.fixtures.live import live_api, wait_for
from tests.fixtures.principals import Credential, create_credential


@tool
def lookup_order(order_id: str) -> str:
    """Look up an order by its id."""
    return f"order {order_id} shipped"


def run_traced_llm_call(settings: Settings, credential: Credential, prompt: str) -> uuid.UUID:
    """One run: an LLM call and a tool call inside a span owned by the credential's tenant."""
    telemetry = configure_telemetry(settings)
    tracer = telemetry.tracer_provider.get_tracer("tests.genai")
    run_id = uuid.uuid4()
    with running_sim_llm() as sim_url, tracer.start_as_current_span("agent run"):
        annotate(run_id=run_id, tenant_id=credential.tenant_id, user_id=credential.user_id)
        model = ChatOpenAI(base_url=sim_url, api_key="x", model="sim-small", max_retries=0)
        reply = model.invoke(prompt)
        lookup_order.invoke({"order_id": prompt[:40]})
    assert isinstance(reply, AIMessage)
    assert reply.usage_metadata is not None
    assert telemetry.flush()
    return run_id


def all_spans(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Any: JSON span nodes.
    found = []
    for node in nodes:
        found.append(node)
        found += all_spans(node["children"])
    return found


def fetch_trace(settings: Settings, credential: Credential, run_id: uuid.UUID) -> dict[str, Any]:
    # Any: JSON body.
    with live_api(settings) as base:
        url = f"{base}/runs/{run_id}/trace"
        headers = {"x-api-key": credential.key}
        assert wait_for(lambda: httpx.get(url, headers=headers).status_code == 200)
        body: dict[str, Any] = httpx.get(url, headers=headers).json()
    return body


class TestLangChainSpans:
    def test_llm_span_has_model_and_tokens(self, settings: Settings) -> None:
        credential = create_credential(settings)
        run_id = run_traced_llm_call(settings, credential, "Explain semantic caches briefly")
        body = fetch_trace(settings, credential, run_id)

        [root] = body["roots"]
        assert root["name"] == "agent run"
        spans = all_spans(body["roots"])
        [llm] = [s for s in spans if s["attributes"].get("openinference.span.kind") == "LLM"]
        attributes = llm["attributes"]
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.request.model"] == "sim-small"
        assert attributes["gen_ai.usage.input_tokens"] > 0
        assert attributes["gen_ai.usage.output_tokens"] > 0
        assert (
            attributes["gen_ai.usage.total_tokens"]
            == attributes["gen_ai.usage.input_tokens"] + attributes["gen_ai.usage.output_tokens"]
        )
        assert "semantic caches" in attributes["input.value"]
        http_calls = [s for s in spans if s["kind"] == "client" and s["name"] == "POST"]
        assert http_calls, "the provider HTTP call is not traced"
        # The provider call is a descendant of the run (OpenInference does not make the LLM span
        # current while LangChain calls the provider, so it hangs off the enclosing span).
        assert {s["parent_span_id"] for s in http_calls} <= {llm["span_id"], root["span_id"]}
        [tool_span] = [
            s for s in spans if s["attributes"].get("gen_ai.tool.name") == "lookup_order"
        ]
        assert tool_span["attributes"]["gen_ai.operation.name"] == "execute_tool"
        assert {s["trace_id"] for s in spans} == {root["trace_id"]}

    def test_spans_are_tenant_scoped(self, settings: Settings) -> None:
        owner = create_credential(settings)
        stranger = create_credential(settings)
        run_id = run_traced_llm_call(settings, owner, "What is a token bucket?")
        fetch_trace(settings, owner, run_id)
        with live_api(settings) as base:
            response = httpx.get(f"{base}/runs/{run_id}/trace", headers={"x-api-key": stranger.key})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
