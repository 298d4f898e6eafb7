"""Typed dependencies of the simulator's routes: its per-server state, auth, and pacing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from colmeia.simllm import headers as sim_headers
from colmeia.simllm.config import SimLLMConfig
from colmeia.simllm.errors import SimulatedError
from colmeia.simllm.faults import FaultState
from colmeia.simllm.streaming import Pacing


@dataclass(frozen=True)
class SimState:
    """What one running simulator holds: its config and its fault bookkeeping."""

    config: SimLLMConfig
    faults: FaultState


def get_state(request: Request) -> SimState:
    """The state the app's lifespan created."""
    state = request.state.sim
    if not isinstance(state, SimState):
        raise RuntimeError("the simulated LLM's lifespan did not run; serve it with uvicorn")
    return state


StateDep = Annotated[SimState, Depends(get_state)]


def require_api_key(state: StateDep, authorization: Annotated[str | None, Header()] = None) -> None:
    """Reject requests without the configured bearer key, as OpenAI does (401)."""
    expected = state.config.api_key
    if expected is None:
        return
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(key.strip(), expected):
        raise SimulatedError(401, "Incorrect API key provided (simulated).", code="invalid_api_key")


def get_pacing(request: Request, state: StateDep) -> Pacing:
    """Latency for this request: the config's, unless the request's headers override it."""
    ttft_ms = sim_headers.read_float(request.headers, sim_headers.TTFT_MS, state.config.ttft_ms)
    token_ms = sim_headers.read_float(request.headers, sim_headers.TOKEN_MS, state.config.token_ms)
    return Pacing(ttft_s=ttft_ms / 1000, token_s=token_ms / 1000)


PacingDep = Annotated[Pacing, Depends(get_pacing)]
