"""run queue indexes: the reaper's queue frontier (newest claimed run) and last-claim lookups

Revision ID: 0008_run_queue_indexes
Revises: 0007_durable_runs
Create Date: 2026-11-25 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008_run_queue_indexes"
down_revision = "0007_durable_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_created_at", "runs", ["created_at"])
    op.create_index("ix_runs_started_at", "runs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_started_at", table_name="runs")
    op.drop_index("ix_runs_created_at", table_name="runs")
