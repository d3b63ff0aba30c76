"""account preferences, outbound federation, access advisor jobs, OIDC provider settings

Revision ID: 0003_ops_preferences_federation
Revises: 0002_authz_triggers
Create Date: 2026-12-04 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_ops_preferences_federation"
down_revision = "0002_authz_triggers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_preferences",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_preferences_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "name", name=op.f("pk_account_preferences")),
    )
    op.create_table(
        "outbound_federation",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("issuer_id", sa.String(length=64), nullable=False),
        sa.Column("issuer_url", sa.String(length=1024), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_outbound_federation_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_outbound_federation")),
        sa.UniqueConstraint("issuer_id", name=op.f("uq_outbound_federation_issuer_id")),
    )
    op.create_table(
        "token_signing_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("private_key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_token_signing_keys")),
    )
    op.create_table(
        "access_advisor_jobs",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("entity_arn", sa.String(length=2048), nullable=False),
        sa.Column("granularity", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_access_advisor_jobs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_access_advisor_jobs")),
    )
    with op.batch_alter_table("oidc_providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("context_provider", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("identity_center_instance_arn", sa.String(length=1224), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("oidc_providers", schema=None) as batch_op:
        batch_op.drop_column("identity_center_instance_arn")
        batch_op.drop_column("context_provider")
    op.drop_table("access_advisor_jobs")
    op.drop_table("token_signing_keys")
    op.drop_table("outbound_federation")
    op.drop_table("account_preferences")
