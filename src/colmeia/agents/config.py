"""Reading a ``langgraph.json``: the same file LangGraph Server reads, so projects run unchanged.

Only the keys that matter to serving are used: ``graphs`` (``"id": "./path/file.py:attr"`` or
``"package.module:attr"``), ``env`` (a ``.env`` path or a mapping) and ``dependencies`` (local
directories put on ``sys.path``). Anything wrong stops start-up with a message naming the file
and the graph.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

EXAMPLES_CONFIG = Path(__file__).parent / "examples" / "langgraph.json"
TEAM_CONFIG = Path(__file__).parent / "team" / "langgraph.json"
DEFAULT_CONFIGS = (EXAMPLES_CONFIG, TEAM_CONFIG)
"""What a server without ``COLMEIA_AGENTS__CONFIG`` serves: the examples and the built-in team."""


class GraphConfigError(Exception):
    """A ``langgraph.json`` (or a graph it names) that cannot be served."""


@dataclass(frozen=True)
class GraphSpec:
    graph_id: str
    source: str
    """A file path (resolved against the config's directory) or a dotted module name."""
    attribute: str
    config_path: Path


@dataclass(frozen=True)
class GraphConfig:
    path: Path
    graphs: list[GraphSpec]
    env: dict[str, str] = field(default_factory=dict)
    dependencies: list[Path] = field(default_factory=list)


def _parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        values[name.strip()] = value.strip().strip('"').strip("'")
    return values


def _env(raw: object, base: Path, path: Path) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(raw, str):
        env_path = (base / raw).resolve()
        if not env_path.is_file():
            raise GraphConfigError(f"{path}: env file {raw!r} does not exist")
        return _parse_env_file(env_path)
    raise GraphConfigError(f"{path}: 'env' must be a path or an object")


def _spec(graph_id: str, value: object, path: Path) -> GraphSpec:
    if isinstance(value, dict):
        value = value.get("path")
    if not isinstance(value, str) or ":" not in value:
        raise GraphConfigError(
            f"{path}: graph {graph_id!r} must be 'path/to/file.py:attribute' (got {value!r})"
        )
    source, _, attribute = value.rpartition(":")
    if not source or not attribute.isidentifier():
        raise GraphConfigError(f"{path}: graph {graph_id!r} has a bad reference {value!r}")
    return GraphSpec(graph_id=graph_id, source=source, attribute=attribute, config_path=path)


def load_graph_config(path: Path) -> GraphConfig:
    """Parse and check ``path``; raises `GraphConfigError` naming the file (and graph)."""
    path = path.resolve()
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise GraphConfigError(f"{path}: no such graph config file") from None
    except json.JSONDecodeError as error:
        raise GraphConfigError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("graphs"), dict) or not raw["graphs"]:
        raise GraphConfigError(f"{path}: needs a non-empty 'graphs' object")
    base = path.parent
    graphs = [_spec(str(gid), value, path) for gid, value in raw["graphs"].items()]
    dependencies = [
        (base / dep).resolve()
        for dep in raw.get("dependencies", [])
        if isinstance(dep, str) and dep.startswith(".")
    ]
    return GraphConfig(
        path=path, graphs=graphs, env=_env(raw.get("env"), base, path), dependencies=dependencies
    )
