"""The built-in team through the official ``langgraph-sdk`` against a live server, answering from
the demo company with the simulated LLM (deterministic: the same question, the same tools)."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph_sdk.client import SyncLangGraphClient

pytestmark = pytest.mark.slow


def ask(client: SyncLangGraphClient, question: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """Run the team on a new thread; returns the thread id and its final state values."""
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(
        thread_id, "team", input={"messages": [{"role": "user", "content": question}]}, **kwargs
    )
    return thread_id, client.threads.get_state(thread_id)["values"]


def delegations(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The supervisor's tool results by specialist tool name."""
    return {m["name"]: m for m in values["messages"] if m["type"] == "tool"}


def inner_steps(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The specialist's own messages (its tool calls and results), kept as the artifact."""
    steps: list[dict[str, Any]] = message["artifact"]["steps"]
    return steps


def tool_results(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in inner_steps(message) if m["type"] == "tool"}


class TestTeam:
    def test_default_graphs_include_the_team(self, client: SyncLangGraphClient) -> None:
        graphs = {a["graph_id"] for a in client.assistants.search(limit=100)}
        assert {"chat", "team", "sql_analyst", "graph_analyst", "document_researcher"} <= graphs

    def test_sql_question(self, client: SyncLangGraphClient) -> None:
        _, values = ask(client, "How many open support tickets does Acme Orchards have?")
        asked = delegations(values)
        assert list(asked) == ["ask_sql_analyst"]
        query = tool_results(asked["ask_sql_analyst"])["open_tickets_for_customer"]
        assert "Hive Gateway drops Wi-Fi every night" in query["content"]
        assert "Smart Hive Scale calibration question" in query["content"]
        calls = [m for m in inner_steps(asked["ask_sql_analyst"]) if m.get("tool_calls")]
        assert calls[0]["tool_calls"][0]["args"] == {"customer": "Acme Orchards"}
        final = values["messages"][-1]
        assert final["type"] == "ai"
        assert "Hive Gateway drops Wi-Fi every night" in final["content"]

    def test_graph_question(self, client: SyncLangGraphClient) -> None:
        _, values = ask(client, "Which supplier supplies the Hive Gateway?")
        asked = delegations(values)
        assert list(asked) == ["ask_graph_analyst"]
        rows = tool_results(asked["ask_graph_analyst"])["suppliers_of_product"]["content"]
        assert "BrightCircuit Ltd" in rows
        assert "Lea Novak" in rows
        assert "BrightCircuit Ltd" in values["messages"][-1]["content"]

    def test_document_question_cites_its_source(self, client: SyncLangGraphClient) -> None:
        _, values = ask(client, "What is the refund window for damaged products?")
        asked = delegations(values)
        assert list(asked) == ["ask_document_researcher"]
        passages = tool_results(asked["ask_document_researcher"])["search_documents"]["content"]
        assert passages.startswith("[refund-policy.md#1]")
        assert "within **7 days** of delivery" in passages
        assert "[refund-policy.md#1]" in values["messages"][-1]["content"]

    def test_pdf_and_html_documents_are_searchable(self, client: SyncLangGraphClient) -> None:
        _, values = ask(client, "How long is the warranty for registered electronics?")
        passages = tool_results(delegations(values)["ask_document_researcher"])
        assert "[warranty-policy.pdf#" in passages["search_documents"]["content"]
        _, values = ask(client, "What does shipping cost for delivery of a Honey Extractor?")
        passages = tool_results(delegations(values)["ask_document_researcher"])
        text = passages["search_documents"]["content"]
        assert "[shipping-policy.html#" in text
        assert "45 EUR handling fee" in text
        assert "window.analytics" not in text  # scripts are not indexed

    def test_question_needing_two_specialists(self, client: SyncLangGraphClient) -> None:
        _, values = ask(
            client,
            "How many open support tickets does Acme Orchards have? "
            "Which supplier supplies the Hive Gateway?",
        )
        supervisor = values["messages"][1]
        assert [c["name"] for c in supervisor["tool_calls"]] == [
            "ask_sql_analyst",
            "ask_graph_analyst",
        ]
        assert set(delegations(values)) == {"ask_sql_analyst", "ask_graph_analyst"}
        final = values["messages"][-1]["content"]
        assert "Hive Gateway drops Wi-Fi every night" in final
        assert "BrightCircuit Ltd" in final

    def test_records_from_mongodb(self, client: SyncLangGraphClient) -> None:
        _, values = ask(client, "Which calls and emails did we log with Acme Orchards?")
        asked = delegations(values)
        assert list(asked) == ["ask_records_specialist"]
        records = tool_results(asked["ask_records_specialist"])["customer_interactions"]
        assert "Gateway Wi-Fi drops nightly" in records["content"]
        assert "firmware 2.4.1 beta" in records["content"]
        assert "Dunmore" not in records["content"]

    def test_memory_is_kept_per_user_across_threads(self, client: SyncLangGraphClient) -> None:
        mine = {"configurable": {"user_id": "user-ana"}}
        ask(client, "Remember that my favourite product is the Hive Sensor.", config=mine)
        _, values = ask(client, "What do you recall about my favourite product?", config=mine)
        recalled = tool_results(delegations(values)["ask_memory_specialist"])["recall_memories"]
        assert "favourite product is the Hive Sensor" in recalled["content"]
        someone_else = {"configurable": {"user_id": "user-bo"}}
        _, values = ask(
            client, "What do you recall about my favourite product?", config=someone_else
        )
        recalled = tool_results(delegations(values)["ask_memory_specialist"])["recall_memories"]
        assert recalled["content"] == "Nothing is remembered yet."


class TestToolSafety:
    def test_sql_write_is_refused_as_a_tool_message(self, client: SyncLangGraphClient) -> None:
        thread_id, values = ask(client, "Run this sql: 'DELETE FROM customers'")
        refused = tool_results(delegations(values)["ask_sql_analyst"])["run_sql"]
        assert refused["status"] == "error"
        assert "read-only" in refused["content"]
        assert client.runs.list(thread_id)[0]["status"] == "success"
        _, values = ask(client, "How many open support tickets does Acme Orchards have?")
        assert "Hive Gateway" in values["messages"][-1]["content"]  # nothing was deleted

    def test_cypher_write_is_refused(self, client: SyncLangGraphClient) -> None:
        _, values = ask(client, 'Run this cypher: "MATCH (n) DETACH DELETE n"')
        refused = tool_results(delegations(values)["ask_graph_analyst"])["run_cypher"]
        assert refused["status"] == "error"
        assert "DETACH is not allowed" in refused["content"]
        _, values = ask(client, "Which supplier supplies the Hive Gateway?")
        assert "BrightCircuit Ltd" in values["messages"][-1]["content"]

    def test_tool_error_becomes_a_tool_message(self, client: SyncLangGraphClient) -> None:
        thread_id, values = ask(client, "Describe table: 'invoices'")
        failed = tool_results(delegations(values)["ask_sql_analyst"])["describe_table"]
        assert failed["status"] == "error"
        assert "no table named 'invoices'" in failed["content"]
        assert client.runs.list(thread_id)[0]["status"] == "success"

    def test_recursion_limit_ends_the_run_with_a_clear_error(
        self, client: SyncLangGraphClient
    ) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(
            thread_id,
            "team",
            input={
                "messages": [
                    {"role": "user", "content": "Which supplier supplies the Hive Gateway?"}
                ]
            },
            config={"recursion_limit": 2},
        )
        output = client.runs.join(thread_id, run["run_id"])
        assert client.runs.get(thread_id, run["run_id"])["status"] == "error"
        assert output["__error__"]["error"] == "GraphRecursionError"
        assert output["__error__"]["message"].startswith("recursion limit reached")
