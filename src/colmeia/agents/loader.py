"""Importing the graphs a `GraphConfig` names: a compiled graph, a StateGraph, or a factory."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from colmeia.agents.config import GraphConfig, GraphConfigError, GraphSpec

# A factory receives the run's config and returns a graph; its exact signature is the user's.
GraphFactory = Callable[..., Any]


@dataclass(frozen=True)
class LoadedGraph:
    """A graph as the config names it: ready to serve, or a factory to call per run."""

    graph_id: str
    graph: Pregel[Any, Any, Any, Any] | None
    factory: GraphFactory | None


def _import(spec: GraphSpec) -> ModuleType:
    base = spec.config_path.parent
    if spec.source.endswith(".py") or "/" in spec.source:
        file = (base / spec.source).resolve()
        if not file.is_file():
            raise GraphConfigError(
                f"{spec.config_path}: graph {spec.graph_id!r}: file {spec.source!r} not found"
            )
        name = f"colmeia_graphs.{spec.graph_id.replace('-', '_')}_{abs(hash(file))}"
        module_spec = importlib.util.spec_from_file_location(name, file)
        assert module_spec is not None
        assert module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        return module
    return importlib.import_module(spec.source)


def _load_one(spec: GraphSpec) -> LoadedGraph:
    try:
        module = _import(spec)
    except GraphConfigError:
        raise
    except Exception as error:  # user code: any import failure is a config error
        raise GraphConfigError(
            f"{spec.config_path}: graph {spec.graph_id!r}: importing {spec.source!r} failed: "
            f"{type(error).__name__}: {error}"
        ) from error
    target = getattr(module, spec.attribute, None)
    if isinstance(target, StateGraph):
        target = target.compile()
    if isinstance(target, Pregel):
        return LoadedGraph(spec.graph_id, target, None)
    if callable(target) and (inspect.isfunction(target) or inspect.iscoroutinefunction(target)):
        return LoadedGraph(spec.graph_id, None, target)
    raise GraphConfigError(
        f"{spec.config_path}: graph {spec.graph_id!r}: {spec.source}:{spec.attribute} is "
        f"{'missing' if target is None else type(target).__name__}, not a graph or a factory"
    )


def load_graphs(config: GraphConfig) -> dict[str, LoadedGraph]:
    """Import every graph; ``env`` is applied first (without overriding the real environment)."""
    for name, value in config.env.items():
        os.environ.setdefault(name, value)
    for dependency in [config.path.parent, *config.dependencies]:
        if str(dependency) not in sys.path:
            sys.path.append(str(dependency))
    return {spec.graph_id: _load_one(spec) for spec in config.graphs}
