"""durable runs: attempt budget, backoff, time limit, dead letters, idempotency, run effects

Revision ID: 0007_durable_runs
Revises: 0006_agent_protocol
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_durable_runs"
down_revision = "0006_agent_protocol"
branch_labels = None
depends_on = None

NEW_RUN_COLUMNS = (
    "max_attempts",
    "available_at",
    "timeout_s",
    "deadline_at",
    "dead_at",
    "idempotency_key",
    "request_hash",
)


def upgrade() -> None:
    stamp = sa.DateTime(timezone=True)
    op.add_column(
        "runs", sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="3")
    )
    op.add_column("runs", sa.Column("available_at", stamp, nullable=True))
    op.add_column("runs", sa.Column("timeout_s", sa.Double(), nullable=True))
    op.add_column("runs", sa.Column("deadline_at", stamp, nullable=True))
    op.add_column("runs", sa.Column("dead_at", stamp, nullable=True))
    op.add_column("runs", sa.Column("idempotency_key", sa.String(length=255), nullable=True))
    op.add_column("runs", sa.Column("request_hash", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_runs_tenant_id_idempotency_key",
        "runs",
        ["tenant_id", "idempotency_key"],
        unique=True,
    )
    op.create_index("ix_runs_status_updated_at", "runs", ["status", "updated_at"])
    op.create_table(
        "run_effects",
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("completed_at", stamp, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_run_effects"),
        sa.UniqueConstraint("key", name="uq_run_effects_key"),
    )
    op.create_index("ix_run_effects_run_id", "run_effects", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_run_effects_run_id", table_name="run_effects")
    op.drop_table("run_effects")
    op.drop_index("ix_runs_status_updated_at", table_name="runs")
    op.drop_index("ix_runs_tenant_id_idempotency_key", table_name="runs")
    with op.batch_alter_table("runs") as batch:  # SQLite rebuilds the table
        for column in NEW_RUN_COLUMNS:
            batch.drop_column(column)
