"""``GET /info``: what this server is, as LangGraph clients (Studio, Agent Chat UI) probe it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

router = APIRouter(tags=["agents"])


@router.get("/info")
async def info() -> dict[str, Any]:
    # Any: a free-form capability document.
    return {
        "version": "0.1.0",
        "server": "colmeia",
        "langgraph_py_version": _langgraph_version(),
        "flags": {"assistants": True, "crons": False, "langsmith": False},
        "host": {"kind": "self-hosted", "project_id": None, "revision_id": None},
    }


def _langgraph_version() -> str:
    from importlib.metadata import version

    return version("langgraph")
