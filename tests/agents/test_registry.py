"""The registry on the real checkpointers (SQLite file and PostgreSQL), and the example graph
calling the simulated LLM through LangChain's ChatOpenAI."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from colmeia.agents.config import GraphConfigError
from colmeia.agents.environment import llm_environment
from colmeia.agents.serving import serve_graphs
from colmeia.config import Settings
from colmeia.errors import NotFound
from colmeia.simllm.testing import running_sim_llm

FACTORY = """
from typing_extensions import TypedDict
from langgraph.graph import StateGraph, START, END

class S(TypedDict):
    seen: str

def make(config):
    tone = config.get("configurable", {}).get("tone", "plain")

    def node(state: S) -> dict:
        return {"seen": tone}

    builder = StateGraph(S)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    builder.add_edge("node", END)
    return builder.compile()
"""


def _config(tmp_path: Path) -> Path:
    (tmp_path / "factory.py").write_text(FACTORY)
    path = tmp_path / "langgraph.json"
    path.write_text(json.dumps({"graphs": {"toned": "./factory.py:make"}}))
    return path


class TestRegistry:
    async def test_factories_get_the_run_config_and_state_persists(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        thread = {"thread_id": str(uuid.uuid4())}
        async with serve_graphs(
            _config(tmp_path),
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            llm_env={},
        ) as graphs:
            assert list(graphs) == ["toned"]
            graph = await graphs.get("toned", {"configurable": {"tone": "dry", **thread}})
            await graph.ainvoke({"seen": ""}, {"configurable": thread})
        async with serve_graphs(
            _config(tmp_path),
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            llm_env={},
        ) as reopened:
            graph = await reopened.get("toned", {"configurable": thread})
            state = await graph.aget_state({"configurable": thread})
        assert state.values == {"seen": "dry"}

    async def test_unknown_graph_is_not_found(self, settings: Settings, tmp_path: Path) -> None:
        async with serve_graphs(
            _config(tmp_path),
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            llm_env={},
        ) as graphs:
            with pytest.raises(NotFound, match="graph 'nope' is not registered"):
                await graphs.get("nope")

    async def test_a_bad_config_fails_before_opening_anything(self, tmp_path: Path) -> None:
        bad = tmp_path / "langgraph.json"
        bad.write_text(json.dumps({"graphs": {"broken": "./absent.py:graph"}}))
        with pytest.raises(GraphConfigError, match=r"langgraph.json: graph 'broken'"):
            async with serve_graphs(
                bad, database_url="sqlite:///unused.db", data_dir=tmp_path, llm_env={}
            ):
                pass


class TestExampleGraph:
    async def test_the_chat_example_answers_through_the_configured_llm(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with running_sim_llm() as llm_url:
            for name, value in llm_environment(llm_url, None).items():
                monkeypatch.setenv(name, value)
            async with serve_graphs(
                None,
                database_url=f"sqlite:///{tmp_path / 'x.db'}",
                data_dir=tmp_path,
                llm_env={},
            ) as graphs:
                graph = await graphs.get("chat")
                config = {"configurable": {"thread_id": "t1"}}
                result = await graph.ainvoke(
                    {"messages": [HumanMessage("hello there")]},
                    config,  # type: ignore[arg-type]
                )
        reply = result["messages"][-1]
        assert reply.type == "ai"
        assert reply.content
        assert reply.response_metadata["system_fingerprint"] == "fp_colmeia_sim"
