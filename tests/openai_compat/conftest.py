"""Colmeia served over real HTTP with the simulated LLM as its upstream, and a key to call it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from colmeia.config import LLMSettings, Settings
from colmeia.simllm.server import SimLLMConfig
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.live import live_api
from tests.fixtures.principals import Credential, create_credential


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    with running_sim_llm(SimLLMConfig(timeout_s=5)) as base_url:
        yield base_url


@dataclass(frozen=True)
class Served:
    base: str
    """Colmeia's root URL; the OpenAI base URL is ``base + "/v1"``."""
    credential: Credential

    @property
    def v1(self) -> str:
        return f"{self.base}/v1"


def configure(settings: Settings, sim_url: str) -> Settings:
    """Settings whose gateway calls the simulator, with aliases that inject faults."""
    always = {"x-sim-fail-times": "100000", "x-sim-fault-retry-after": "0.01"}
    faulty = {"model": "openai:sim-small", "max_retries": 0}
    llm = LLMSettings.model_validate(
        {
            "base_url": sim_url,
            "retry_max_wait_s": 5,
            "usage_flush_interval_s": 0.05,
            "models": {
                "fast": {"model": "openai:sim-small"},
                "limited": {**faulty, "headers": {**always, "x-sim-fault": "429"}},
                "broken": {**faulty, "headers": {**always, "x-sim-fault": "500"}},
                "dropping": {**faulty, "headers": {"x-sim-fault": "drop"}},
            },
        }
    )
    return settings.model_copy(update={"llm": llm})


@pytest.fixture
def served(settings: Settings, sim_url: str) -> Iterator[Served]:
    configured = configure(settings, sim_url)
    credential = create_credential(configured)
    with live_api(configured) as base:
        yield Served(base, credential)
