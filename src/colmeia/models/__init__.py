"""Every ORM model, one file per table, imported here so Alembic sees the whole schema."""

from colmeia.models.api_key import APIKey
from colmeia.models.base import Base
from colmeia.models.tenant import Tenant
from colmeia.models.user import Role, User

__all__ = ["APIKey", "Base", "Role", "Tenant", "User"]
