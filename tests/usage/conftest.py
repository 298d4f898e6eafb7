"""The simulated LLM as the gateway's upstream for the usage tests."""

from tests.openai_compat.conftest import sim_url

__all__ = ["sim_url"]
