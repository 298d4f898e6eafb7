"""``langgraph.json`` loading: what is served, and start-up errors that name file and graph."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from langgraph.pregel import Pregel

from colmeia.agents.config import EXAMPLES_CONFIG, GraphConfigError, load_graph_config
from colmeia.agents.loader import load_graphs

GRAPH_FILE = """
from typing_extensions import TypedDict
from langgraph.graph import StateGraph, START, END

class S(TypedDict):
    n: int

def inc(state: S) -> dict:
    return {"n": state["n"] + 1}

builder = StateGraph(S)
builder.add_node("inc", inc)
builder.add_edge(START, "inc")
builder.add_edge("inc", END)
compiled = builder.compile()
uncompiled = builder

def factory(config):
    return builder.compile()

not_a_graph = 42
"""


def _project(tmp_path: Path, graphs: dict[str, str], **extra: object) -> Path:
    (tmp_path / "graphs.py").write_text(GRAPH_FILE)
    config = tmp_path / "langgraph.json"
    config.write_text(json.dumps({"graphs": graphs, **extra}))
    return config


class TestLoading:
    def test_compiled_uncompiled_and_factory_graphs(self, tmp_path: Path) -> None:
        config = _project(
            tmp_path,
            {
                "a": "./graphs.py:compiled",
                "b": "./graphs.py:uncompiled",
                "c": {"path": "./graphs.py:factory"},
            },
        )
        loaded = load_graphs(load_graph_config(config))
        assert isinstance(loaded["a"].graph, Pregel)
        assert isinstance(loaded["b"].graph, Pregel)
        assert loaded["c"].graph is None
        assert loaded["c"].factory is not None

    def test_env_mapping_and_env_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        name = f"COLMEIA_TEST_ENV_{os.getpid()}"
        monkeypatch.delenv(name, raising=False)
        (tmp_path / ".env").write_text(f"# comment\nexport {name}='from-file'\n")
        config = _project(tmp_path, {"a": "./graphs.py:compiled"}, env=".env")
        assert load_graph_config(config).env == {name: "from-file"}
        load_graphs(load_graph_config(config))
        assert os.environ[name] == "from-file"
        monkeypatch.delenv(name)
        mapping = _project(tmp_path, {"a": "./graphs.py:compiled"}, env={name: "inline"})
        assert load_graph_config(mapping).env == {name: "inline"}

    def test_the_examples_load(self) -> None:
        loaded = load_graphs(load_graph_config(EXAMPLES_CONFIG))
        assert isinstance(loaded["chat"].graph, Pregel)


class TestErrors:
    @pytest.mark.parametrize(
        ("graphs", "message"),
        [
            ({"g1": "./missing.py:graph"}, "graph 'g1': file './missing.py' not found"),
            ({"g2": "./graphs.py:nope"}, "graph 'g2': ./graphs.py:nope is missing"),
            ({"g3": "./graphs.py:not_a_graph"}, "graph 'g3': ./graphs.py:not_a_graph is int"),
            ({"g4": "no-colon"}, "graph 'g4' must be 'path/to/file.py:attribute'"),
            ({"g5": "no_such_module_xyz:graph"}, "graph 'g5': importing"),
        ],
    )
    def test_bad_graphs_name_the_file_and_graph(
        self, tmp_path: Path, graphs: dict[str, str], message: str
    ) -> None:
        config = _project(tmp_path, graphs)
        with pytest.raises(GraphConfigError) as raised:
            load_graphs(load_graph_config(config))
        assert str(config.resolve()) in str(raised.value)
        assert message in str(raised.value)

    def test_a_graph_that_fails_to_import_names_its_error(self, tmp_path: Path) -> None:
        (tmp_path / "broken.py").write_text("raise RuntimeError('boom at import')\n")
        config = _project(tmp_path, {"bad": "./broken.py:graph"})
        with pytest.raises(GraphConfigError, match="graph 'bad'.*RuntimeError: boom at import"):
            load_graphs(load_graph_config(config))

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("{not json", "not valid JSON"),
            ('{"graphs": {}}', "needs a non-empty 'graphs' object"),
            ('{"graphs": {"a": "./x.py:g"}, "env": 3}', "'env' must be a path or an object"),
            ('{"graphs": {"a": "./x.py:g"}, "env": ".nope"}', "env file '.nope' does not exist"),
        ],
    )
    def test_bad_files(self, tmp_path: Path, content: str, message: str) -> None:
        config = tmp_path / "langgraph.json"
        config.write_text(content)
        with pytest.raises(GraphConfigError, match=message):
            load_graph_config(config)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(GraphConfigError, match="no such graph config file"):
            load_graph_config(tmp_path / "absent.json")
