"""authz_version bumped by the database on every write that can change a decision

Revision ID: 0002_authz_triggers
Revises: 0001
Create Date: 2026-12-04 05:30:00
"""

from __future__ import annotations

from alembic import op

from iamd.store.migrations.authz_v1 import (
    AUTHZ_TABLES_V1,
    TABLES_OF_0002,
    create_statements,
    drop_statements,
)

revision = "0002_authz_triggers"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES_OF_0002:
        for statement in create_statements(dialect, table, AUTHZ_TABLES_V1[table]):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES_OF_0002:
        for statement in drop_statements(dialect, table):
            op.execute(statement)
