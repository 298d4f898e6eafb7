"""Settings of one simulated LLM server.

Plain values, not a pydantic-settings section: the simulator is started by composition roots
(`colmeia up`, tests, benchmarks) that already hold their own settings and pass these in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimLLMConfig:
    """How the simulated LLM behaves.

    Attributes:
        ttft_ms: time to first token; request header `x-sim-ttft-ms` overrides it.
        token_ms: delay per further token; request header `x-sim-token-ms` overrides it.
        fault_rate_429: share of requests answered with a 429 (drawn from a seeded RNG).
        fault_rate_500: share of requests answered with a 500.
        fault_rate_timeout: share of requests that hang for `timeout_s` before answering.
        fault_rate_drop: share of requests whose connection is closed mid-response.
        seed: seed of the fault RNG, so a fault sequence is reproducible for one request order.
        timeout_s: how long a "timeout" fault hangs; header `x-sim-timeout-s` overrides it.
        retry_after_s: the Retry-After sent with a 429; header `x-sim-fault-retry-after` overrides.
        embedding_dim: dimension of `/v1/embeddings` vectors unless the request asks otherwise.
        api_key: when set, requests must carry `Authorization: Bearer <api_key>`.
        models: ids listed by `/v1/models`; any other id is still accepted.
    """

    ttft_ms: float = 0
    token_ms: float = 0
    fault_rate_429: float = 0
    fault_rate_500: float = 0
    fault_rate_timeout: float = 0
    fault_rate_drop: float = 0
    seed: int = 0
    timeout_s: float = 30
    retry_after_s: float = 1
    embedding_dim: int = 384
    api_key: str | None = None
    models: tuple[str, ...] = ("sim-small", "sim-large")
