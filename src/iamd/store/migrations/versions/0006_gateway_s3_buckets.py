"""s3_buckets: the gateway's buckets, their owners and bucket policies

Revision ID: 0006_gateway_s3_buckets
Revises: 0005_console_sessions
Create Date: 2026-12-04 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from iamd.store.migrations.authz_v1 import AUTHZ_TABLES_V1, create_statements, drop_statements

revision = "0006_gateway_s3_buckets"
down_revision = "0005_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "s3_buckets",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_s3_buckets_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_s3_buckets")),
    )
    op.create_index("ix_s3_buckets_account_id", "s3_buckets", ["account_id"])
    dialect = op.get_bind().dialect.name
    for statement in create_statements(dialect, "s3_buckets", AUTHZ_TABLES_V1["s3_buckets"]):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect, "s3_buckets"):
        op.execute(statement)
    op.drop_index("ix_s3_buckets_account_id", table_name="s3_buckets")
    op.drop_table("s3_buckets")
