"""The simulated LLM's composition root: `create_app` builds the ASGI app, `serve` runs it.

An OpenAI-compatible server (chat completions with streaming and tool calls, embeddings, models)
that answers deterministically, so every test, benchmark and zero-config `colmeia up` drives the
real provider client path (the `openai` SDK, LangChain's `ChatOpenAI`) without a real model.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypedDict

import uvicorn
from fastapi import FastAPI

from colmeia.simllm import endpoints
from colmeia.simllm.config import SimLLMConfig
from colmeia.simllm.deps import SimState
from colmeia.simllm.errors import install_handlers
from colmeia.simllm.faults import FaultState, SimulatedDrop

__all__ = ["SimLLMConfig", "create_app", "quiet_simulated_drops", "serve"]


class State(TypedDict):
    sim: SimState


def create_app(config: SimLLMConfig) -> FastAPI:
    """The simulator as a FastAPI app; each start of its lifespan begins with fresh fault state."""
    app = FastAPI(
        title="Colmeia simulated LLM",
        lifespan=_lifespan(config),
        docs_url=None,
        redoc_url=None,
    )
    install_handlers(app)
    app.include_router(endpoints.router)
    app.include_router(endpoints.control)
    return app


def serve(host: str, port: int, config: SimLLMConfig) -> None:
    """Run the simulator in the foreground until interrupted (uvicorn, one process)."""
    quiet_simulated_drops()
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)


def quiet_simulated_drops() -> None:
    """Stop uvicorn from logging an injected connection drop as an application error.

    A drop is raised as `SimulatedDrop` inside the response so that uvicorn closes the connection;
    uvicorn then logs "Exception in ASGI application" with a traceback, which for a fault that was
    asked for is noise. Idempotent: the filter is a single shared instance.
    """
    logging.getLogger("uvicorn.error").addFilter(_DROP_FILTER)


def _lifespan(config: SimLLMConfig) -> Callable[[FastAPI], AbstractAsyncContextManager[State]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        yield {"sim": SimState(config=config, faults=FaultState(config.seed))}

    return lifespan


class _DropFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not _is_drop(error)


def _is_drop(error: BaseException | None) -> bool:
    if error is None:
        return False
    if isinstance(error, SimulatedDrop):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(_is_drop(inner) for inner in error.exceptions)
    return _is_drop(error.__cause__)


_DROP_FILTER = _DropFilter()
