"""Request dependencies for the graphs this process serves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from colmeia.agents.registry import GraphRegistry


async def get_graphs(request: Request) -> GraphRegistry:
    graphs: GraphRegistry = request.state.graphs
    return graphs


GraphsDep = Annotated[GraphRegistry, Depends(get_graphs)]
