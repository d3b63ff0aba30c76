"""PostgreSQL also notifies iamd_authz when a user appears or signs in

A process may now keep a user's row (GetUser's answer) as long as it keeps the
account's versions (`iamd.store.version_mirror`). Most changes to the row already
bump a version, which notifies (0011): renames and deletions the account's, the
boundary and the tags the user's own. Two do not, since no decision depends on them:
a new user (a name that was not found a moment ago) and the password's last use.

Revision ID: 0012_user_row_notifications
Revises: 0011_version_notifications
Create Date: 2026-12-05 04:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0012_user_row_notifications"
down_revision = "0011_version_notifications"
branch_labels = None
depends_on = None

_NAME = "iamd_notify_users_row"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE FUNCTION {_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n    PERFORM pg_notify('iamd_authz', NEW.account_id);\n"
        "    RETURN NULL;\nEND $$"
    )
    op.execute(
        f"CREATE TRIGGER {_NAME} AFTER INSERT OR UPDATE OF password_last_used ON users "
        f"FOR EACH ROW EXECUTE FUNCTION {_NAME}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {_NAME} ON users")
    op.execute(f"DROP FUNCTION IF EXISTS {_NAME}()")
