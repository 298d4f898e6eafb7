"""The simulated LLM: an OpenAI-compatible server with deterministic answers and fault injection.

SimLLMConfig     settings (latency, fault rates, embedding dimension, api key, model ids)
create_app       the FastAPI app            (server.py)
serve            run it in the foreground   (server.py)
running_sim_llm  run it in a test           (testing.py)
"""

from colmeia.simllm.config import SimLLMConfig

__all__ = ["SimLLMConfig"]
