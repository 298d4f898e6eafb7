"""Where the backends are, once defaults are applied (shared by every composition root)."""

from __future__ import annotations

from colmeia.config import Settings
from colmeia.embedded.redis_server import EmbeddedRedis


def embedded_redis(settings: Settings) -> EmbeddedRedis:
    """The embedded Redis server for this data dir (not started)."""
    return EmbeddedRedis(settings.data_dir.resolve(), load_falkordb=settings.redis.load_falkordb)


def resolve_redis_url(settings: Settings) -> str:
    """The configured Redis, else the embedded server's socket in the data dir."""
    return settings.redis.url or embedded_redis(settings).url
