"""root login links: one-time links to set or recover a root user's console login

Revision ID: 0004_root_login_links
Revises: 0003_ops_preferences_federation
Create Date: 2026-12-14 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_root_login_links"
down_revision = "0003_ops_preferences_federation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "root_login_links",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_root_login_links_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_root_login_links")),
    )
    with op.batch_alter_table("root_login_links", schema=None) as batch_op:
        batch_op.create_index("ix_root_login_links_account", ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("root_login_links", schema=None) as batch_op:
        batch_op.drop_index("ix_root_login_links_account")
    op.drop_table("root_login_links")
