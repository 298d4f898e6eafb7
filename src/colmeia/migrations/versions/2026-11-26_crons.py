"""crons: runs created on a schedule (client.crons)

Revision ID: 0009_crons
Revises: 0008_run_queue_indexes
Create Date: 2026-11-26 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_crons"
down_revision = "0008_run_queue_indexes"
branch_labels = None
depends_on = None


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=f"fk_crons_{column}_{table}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "crons",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=True),
        sa.Column("schedule", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("on_run_completed", sa.String(length=10), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("tenant_id", "tenants"),
        _fk("user_id", "users"),
        _fk("assistant_id", "assistants"),
        _fk("thread_id", "threads"),
        sa.PrimaryKeyConstraint("id", name="pk_crons"),
    )
    op.create_index("ix_crons_tenant_id", "crons", ["tenant_id"])
    op.create_index("ix_crons_assistant_id", "crons", ["assistant_id"])
    op.create_index("ix_crons_thread_id", "crons", ["thread_id"])
    op.create_index("ix_crons_enabled_next_run_date", "crons", ["enabled", "next_run_date"])


def downgrade() -> None:
    op.drop_table("crons")
