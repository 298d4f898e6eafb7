"""The simulated LLM and a local Anthropic server, shared by the gateway tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from colmeia.simllm.server import SimLLMConfig
from colmeia.simllm.testing import running_sim_llm
from tests.llm.anthropic_server import running_anthropic_server
from tests.llm.helpers import OPEN


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    with running_sim_llm(SimLLMConfig(timeout_s=5)) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def anthropic_url() -> Iterator[str]:
    with running_anthropic_server() as base_url:
        yield base_url


@pytest.fixture(autouse=True)
async def close_gateways() -> AsyncIterator[None]:
    """Close the provider clients of every gateway a test built."""
    yield
    while OPEN:
        await OPEN.pop().aclose()
