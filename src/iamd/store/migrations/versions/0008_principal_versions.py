"""authz versions per principal: a write confined to one user or role bumps only its own

Revision ID: 0008_principal_versions
Revises: 0007_audit_trail
Create Date: 2026-12-04 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from iamd.store import authz_tables
from iamd.store.migrations import authz_v1

revision = "0008_principal_versions"
down_revision = "0007_audit_trail"
branch_labels = None
depends_on = None

_V1_TABLES = (*authz_v1.TABLES_OF_0002, "s3_buckets")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("users", "roles"):
        op.add_column(
            table,
            sa.Column("authz_version", sa.Integer(), nullable=False, server_default="0"),
        )
    for table in _V1_TABLES:
        for statement in authz_v1.drop_statements(dialect, table):
            op.execute(statement)
    for table in authz_tables.AUTHZ_TABLES:
        for statement in authz_tables.create_statements(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in authz_tables.AUTHZ_TABLES:
        for statement in authz_tables.drop_statements(dialect, table):
            op.execute(statement)
    for table in _V1_TABLES:
        spec = authz_v1.AUTHZ_TABLES_V1[table]
        for statement in authz_v1.create_statements(dialect, table, spec):
            op.execute(statement)
    for table in ("users", "roles"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("authz_version")
