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
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

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


class WorkerSettings(BaseModel):
    concurrency: int = Field(default=16, ge=1)
    heartbeat_interval_s: float = Field(default=5.0, gt=0)
    heartbeat_ttl_s: float = Field(default=20.0, gt=0)
    """A worker whose last heartbeat is older than this counts as gone for readiness."""


class LLMSettings(BaseModel):
    base_url: str | None = None
    """OpenAI-compatible base URL (Ollama, vLLM, llama.cpp, the simulated LLM)."""
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    simulated_port: int = Field(default=8765, ge=1, le=65535)
    """Port of the simulated LLM that ``colmeia up`` starts when no provider is configured."""


class AuthSettings(BaseModel):
    secret_key: SecretStr | None = None
    """Pepper for API-key hashes (and later, JWT signing). Unset in development: generated once
    and kept in the data dir. Required in production."""
    admin_api_key: SecretStr | None = None
    """Seeds a known admin API key (for automation) on start-up."""


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
        return (
            self.llm.base_url is None
            and self.llm.openai_api_key is None
            and self.llm.anthropic_api_key is None
        )


STANDARD_ENV_NAMES: dict[str, tuple[str, str]] = {
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
    "CELERY_BROKER_URL": ("broker", "url"),
    "OPENAI_API_KEY": ("llm", "openai_api_key"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
    "ANTHROPIC_API_KEY": ("llm", "anthropic_api_key"),
    "COLMEIA_ADMIN_API_KEY": ("auth", "admin_api_key"),
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
