"""the audit trail: events, their resources, the outbox of writes' events, advisor reports

The advisor's reports are made from the trail, replacing the policy-only jobs of 0003.

Revision ID: 0007_audit_trail
Revises: 0006_gateway_s3_buckets
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_trail"
down_revision = "0006_gateway_s3_buckets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_source", sa.String(length=64), nullable=False),
        sa.Column("event_name", sa.String(length=128), nullable=False),
        sa.Column("aws_region", sa.String(length=32), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("username", sa.String(length=256), nullable=True),
        sa.Column("access_key_id", sa.String(length=128), nullable=True),
        sa.Column("actor_id", sa.String(length=128), nullable=True),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("resource_type", sa.String(length=64), nullable=True),
        sa.Column("resource_name", sa.String(length=2048), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
    )
    for name, columns in (
        ("ix_audit_events_account_time", ["account_id", "event_time", "event_id"]),
        ("ix_audit_events_account_resource", ["account_id", "resource_name", "event_time"]),
        ("ix_audit_events_account_name", ["account_id", "event_name", "event_time"]),
        ("ix_audit_events_account_username", ["account_id", "username", "event_time"]),
        ("ix_audit_events_account_key", ["account_id", "access_key_id", "event_time"]),
        ("ix_audit_events_actor", ["actor_id", "event_time"]),
    ):
        op.create_index(name, "audit_events", columns, unique=False)
    op.create_table(
        "audit_event_resources",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_name", sa.String(length=2048), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "position", name=op.f("pk_audit_event_resources")),
    )
    for name, columns in (
        ("ix_audit_event_resources_name", ["account_id", "resource_name", "event_time"]),
        ("ix_audit_event_resources_type", ["account_id", "resource_type", "event_time"]),
    ):
        op.create_index(name, "audit_event_resources", columns, unique=False)

    op.create_table(
        "audit_outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_source", sa.String(length=64), nullable=False),
        sa.Column("event_name", sa.String(length=128), nullable=False),
        sa.Column("aws_region", sa.String(length=32), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("username", sa.String(length=256), nullable=True),
        sa.Column("access_key_id", sa.String(length=128), nullable=True),
        sa.Column("actor_id", sa.String(length=128), nullable=True),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("resources", sa.Text(), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_outbox")),
    )
    op.create_table(
        "access_advisor_reports",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("entity_arn", sa.String(length=2048), nullable=False),
        sa.Column("granularity", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_access_advisor_reports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_access_advisor_reports")),
    )
    op.create_index(
        "ix_access_advisor_reports_account_created",
        "access_advisor_reports",
        ["account_id", "created_at"],
        unique=False,
    )
    # The access advisor's reports now come from the trail; its policy-only jobs go.
    op.drop_table("access_advisor_jobs")


def downgrade() -> None:
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
    op.drop_table("access_advisor_reports")
    op.drop_table("audit_outbox")
    op.drop_table("audit_event_resources")
    op.drop_table("audit_events")
