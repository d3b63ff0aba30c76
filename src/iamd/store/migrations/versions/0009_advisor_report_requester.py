"""access advisor reports remember who generated them, and answer no one else

AWS hands a GenerateServiceLastAccessedDetails job's report only to the user, or the
role session, that generated it. Reports stored before this revision name no one, so
they are deleted rather than left readable by every principal of the account: they
are cheap to generate again.

Revision ID: 0009_advisor_report_requester
Revises: 0008_principal_versions
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_advisor_report_requester"
down_revision = "0008_principal_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM access_advisor_reports")
    with op.batch_alter_table("access_advisor_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requester", sa.String(length=64), nullable=False))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: that would copy and replace
    # the table, which other tables' foreign keys and triggers name.
    op.drop_column("access_advisor_reports", "requester")
