"""An item of the `/store` API as versions before the shared tenant store kept it.

Only `colmeia.store.legacy` reads this table now, to move its rows into the tenant store at
start-up; the table stays so an upgrade from any earlier version has them to move."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.kit.time import utc_now
from colmeia.models.base import Base, RecordMixin


class StoreItem(RecordMixin, Base):
    __tablename__ = "store_items"
    __table_args__ = (UniqueConstraint("tenant_id", "namespace", "key"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    # Labels joined by "." (labels may not contain one), so a prefix search is a LIKE.
    namespace: Mapped[str] = mapped_column(String(1000))
    key: Mapped[str] = mapped_column(String(500))
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
