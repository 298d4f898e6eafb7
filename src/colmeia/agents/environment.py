"""Environment that served graphs read, derived from Colmeia's own settings.

Graphs written for LangGraph Server build their models themselves (``ChatOpenAI()``), so the
server's configured provider reaches them the standard way: ``OPENAI_BASE_URL`` and
``OPENAI_API_KEY``. Only worker processes export them (the API never runs a graph): the
settings already resolved ``OPENAI_BASE_URL`` as a fallback, so the settings' value wins.
"""

from __future__ import annotations

import os

PLACEHOLDER_KEY = "colmeia-no-key"  # the simulated LLM and local servers accept any key


def llm_environment(base_url: str | None, api_key: str | None) -> dict[str, str]:
    env: dict[str, str] = {}
    if base_url:
        env["OPENAI_BASE_URL"] = base_url
        env["OPENAI_API_KEY"] = api_key or PLACEHOLDER_KEY
    elif api_key:
        env["OPENAI_API_KEY"] = api_key
    return env


def apply_environment(env: dict[str, str]) -> None:
    """Export ``env`` for graph code in this process."""
    os.environ.update(env)
