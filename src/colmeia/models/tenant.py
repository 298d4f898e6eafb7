"""A tenant: the hard boundary of ownership. Everything a user owns belongs to one tenant."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.models.base import Base, RecordMixin


class Tenant(RecordMixin, Base):
    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(200), unique=True)
