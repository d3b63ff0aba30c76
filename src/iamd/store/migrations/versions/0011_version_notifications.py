"""PostgreSQL says when an authorization version moves: NOTIFY iamd_authz, account id

A process that listens (`iamd.store.version_mirror`) then trusts the versions it has
read until a notification about their account arrives, instead of reading them on
every request. PostgreSQL delivers a notification only when, and once, its
transaction commits. SQLite has no other processes to tell: nothing changes there.

Revision ID: 0011_version_notifications
Revises: 0010_root_password_last_used
Create Date: 2026-12-05 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0011_version_notifications"
down_revision = "0010_root_password_last_used"
branch_labels = None
depends_on = None

# table → the expression over NEW that names the row's account
_ACCOUNT_OF = {"accounts": "NEW.id", "users": "NEW.account_id", "roles": "NEW.account_id"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, account in _ACCOUNT_OF.items():
        name = f"iamd_notify_{table}_version"
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    PERFORM pg_notify('iamd_authz', {account});\n"
            "    RETURN NULL;\nEND $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER UPDATE OF authz_version ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _ACCOUNT_OF:
        name = f"iamd_notify_{table}_version"
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
