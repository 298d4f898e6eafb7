"""One simulated LLM server for the suite, and `openai` clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import openai
import pytest

from colmeia.simllm.server import SimLLMConfig
from colmeia.simllm.testing import running_sim_llm


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    with running_sim_llm(SimLLMConfig(timeout_s=5)) as base_url:
        yield base_url


@pytest.fixture
def client(sim_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=sim_url, api_key="x", max_retries=0) as sdk:
        yield sdk


@pytest.fixture
async def async_client(sim_url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=sim_url, api_key="x", max_retries=0) as sdk:
        yield sdk
