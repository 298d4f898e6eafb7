"""agent protocol: assistants, versions, threads, runs, store items

Revision ID: 0006_agent_protocol
Revises: 0004_spans
Create Date: 2026-11-25 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_agent_protocol"
down_revision = "0004_spans"
branch_labels = None
depends_on = None


def _record() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
    )


def _status(name: str, values: tuple[str, ...]) -> sa.Column[object]:
    return sa.Column(
        "status", sa.Enum(*values, name=name, native_enum=False, length=20), nullable=False
    )


def _assistants() -> None:
    op.create_table(
        "assistants",
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("graph_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_record(),
        _tenant_fk("assistants"),
        sa.PrimaryKeyConstraint("id", name="pk_assistants"),
    )
    op.create_index("ix_assistants_tenant_id", "assistants", ["tenant_id"])
    op.create_index("ix_assistants_graph_id", "assistants", ["graph_id"])
    op.create_table(
        "assistant_versions",
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("graph_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        *_record(),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistants.id"],
            name="fk_assistant_versions_assistant_id_assistants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assistant_versions"),
        sa.UniqueConstraint(
            "assistant_id", "version", name="uq_assistant_versions_assistant_id_version"
        ),
    )
    op.create_index("ix_assistant_versions_assistant_id", "assistant_versions", ["assistant_id"])


def _threads() -> None:
    op.create_table(
        "threads",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        _status("threadstatus", ("idle", "busy", "interrupted", "error")),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=True),
        sa.Column("interrupts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_record(),
        _tenant_fk("threads"),
        sa.PrimaryKeyConstraint("id", name="pk_threads"),
    )
    op.create_index("ix_threads_tenant_id", "threads", ["tenant_id"])


def _runs() -> None:
    statuses = ("pending", "running", "success", "error", "timeout", "interrupted")
    op.create_table(
        "runs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("thread_id", sa.Uuid(), nullable=False),
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        _status("runstatus", statuses),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("multitask_strategy", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        *_record(),
        _tenant_fk("runs"),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name="fk_runs_thread_id_threads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index("ix_runs_tenant_id", "runs", ["tenant_id"])
    op.create_index("ix_runs_thread_id_status", "runs", ["thread_id", "status"])


def _store_items() -> None:
    op.create_table(
        "store_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("namespace", sa.String(length=1000), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        *_record(),
        _tenant_fk("store_items"),
        sa.PrimaryKeyConstraint("id", name="pk_store_items"),
        sa.UniqueConstraint(
            "tenant_id", "namespace", "key", name="uq_store_items_tenant_id_namespace_key"
        ),
    )
    op.create_index("ix_store_items_tenant_id", "store_items", ["tenant_id"])


def upgrade() -> None:
    _assistants()
    _threads()
    _runs()
    _store_items()


def downgrade() -> None:
    op.drop_table("store_items")
    op.drop_table("runs")
    op.drop_table("threads")
    op.drop_table("assistant_versions")
    op.drop_table("assistants")
