"""accounts remember the root user's last console sign-in

The credential report's root row and GetUser for the root user report when its
password was last used, as AWS's do; until now only IAM users' was kept.

Revision ID: 0010_root_password_last_used
Revises: 0009_advisor_report_requester
Create Date: 2026-12-20 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_root_password_last_used"
down_revision = "0009_advisor_report_requester"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("root_password_last_used", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: that would copy and replace
    # the table, which other tables' foreign keys and triggers name.
    op.drop_column("accounts", "root_password_last_used")
