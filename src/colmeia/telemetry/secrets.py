"""The secret values this deployment is configured with, masked literally wherever they show."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from colmeia.config import Settings


def _password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password if "://" in url else None
    except Exception:  # an unparseable URL has no password we could find
        return None


def known_secrets(settings: Settings) -> list[str]:
    """Every configured secret (API keys, server secret, DSNs, passwords in URLs)."""
    values: list[SecretStr | None] = [
        settings.llm.openai_api_key,
        settings.llm.anthropic_api_key,
        settings.auth.secret_key,
        settings.auth.admin_api_key,
        settings.telemetry.metrics_token,
        settings.telemetry.sentry_dsn,
        settings.telemetry.langsmith_api_key,
    ]
    found = [v.get_secret_value() for v in values if v is not None]
    urls = (settings.database.url, settings.redis.url, settings.broker.url)
    found += [p for p in (_password(url) for url in urls) if p]
    return found
