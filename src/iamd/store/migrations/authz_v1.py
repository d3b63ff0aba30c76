"""The version triggers as migrations 0002 and 0006 installed them, frozen.

Until migration 0008 every write to an authorization table bumped its account's
``authz_version``. A migration's work is fixed once it has run, so the migrations that
installed those triggers (and 0008, which drops them) read this module, never
`iamd.store.authz_tables`, which describes the triggers installed now.
"""

from __future__ import annotations

from dataclasses import dataclass

# The tables migration 0002 installed triggers on: a migration's work is fixed once it
# has run, so later tables get theirs from the migration that creates them.
TABLES_OF_0002 = (
    "users",
    "roles",
    "access_keys",
    "mfa_devices",
    "groups",
    "group_members",
    "managed_policies",
    "policy_versions",
    "policy_attachments",
    "inline_policies",
    "tags",
    "password_policies",
    "login_profiles",
    "oidc_providers",
    "instance_profiles",
    "server_certificates",
    "saml_providers",
)


@dataclass(frozen=True)
class AuthzTable:
    """How a row names its account, and which updated columns matter (None: all)."""

    account: str  # SQL over the row ``ROW``: its account id
    columns: tuple[str, ...] | None = None


def _via(parent: str, key: str) -> str:
    return f"(SELECT account_id FROM {parent} WHERE id = ROW.{key})"


AUTHZ_TABLES_V1: dict[str, AuthzTable] = {
    # last-use bookkeeping (password_last_used, last_used_*) changes no decision
    "users": AuthzTable("ROW.account_id", ("name", "name_lower", "path", "boundary_arn")),
    "roles": AuthzTable(
        "ROW.account_id",
        ("name", "name_lower", "path", "trust_policy", "max_session_duration", "boundary_arn"),
    ),
    "access_keys": AuthzTable("ROW.account_id", ("status", "secret_sealed", "user_id")),
    "mfa_devices": AuthzTable("ROW.account_id", ("user_id", "enabled_at", "seed_sealed")),
    "groups": AuthzTable("ROW.account_id"),
    "group_members": AuthzTable(_via("groups", "group_id")),
    "managed_policies": AuthzTable("ROW.account_id"),
    "policy_versions": AuthzTable(_via("managed_policies", "policy_id")),
    "policy_attachments": AuthzTable("ROW.account_id"),
    "inline_policies": AuthzTable("ROW.account_id"),
    "tags": AuthzTable("ROW.account_id"),
    "password_policies": AuthzTable("ROW.account_id"),
    "login_profiles": AuthzTable(
        _via("users", "user_id"), ("password_hash", "reset_required", "password_changed_at")
    ),
    "oidc_providers": AuthzTable("ROW.account_id"),
    # their names and paths are in the ARNs that policies are matched against
    "instance_profiles": AuthzTable("ROW.account_id"),
    "server_certificates": AuthzTable("ROW.account_id", ("name", "name_lower", "path")),
    "saml_providers": AuthzTable("ROW.account_id"),
    # a bucket's owner and policy decide every request to it through a gateway
    "s3_buckets": AuthzTable("ROW.account_id"),
}


def trigger_names(table: str) -> tuple[str, ...]:
    """The triggers that bump the version for ``table``, by name."""
    return tuple(f"iamd_authz_{table}_{event}" for event in ("insert", "delete", "update"))


def create_statements(dialect: str, table: str, spec: AuthzTable) -> list[str]:
    """The DDL that makes every write to ``table`` bump its account's authz_version."""
    insert, delete, update = trigger_names(table)
    of = f" OF {', '.join(spec.columns)}" if spec.columns else ""
    if dialect == "sqlite":
        return [
            _sqlite(insert, f"INSERT ON {table}", spec.account.replace("ROW.", "NEW.")),
            _sqlite(delete, f"DELETE ON {table}", spec.account.replace("ROW.", "OLD.")),
            _sqlite(update, f"UPDATE{of} ON {table}", spec.account.replace("ROW.", "NEW.")),
        ]
    function = f"iamd_authz_{table}"
    account = spec.account.replace("ROW.", "changed.")
    run = f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE changed record;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    UPDATE accounts SET authz_version = authz_version + 1 WHERE id = {account};
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {insert} AFTER INSERT ON {table} {run}",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {table} {run}",
        f"CREATE TRIGGER {update} AFTER UPDATE{of} ON {table} {run}",
    ]


def drop_statements(dialect: str, table: str) -> list[str]:
    names = trigger_names(table)
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in names]
    drops = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in names]
    return [*drops, f"DROP FUNCTION IF EXISTS iamd_authz_{table}()"]


def _sqlite(name: str, event: str, account: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW BEGIN "
        f"UPDATE accounts SET authz_version = authz_version + 1 WHERE id = {account}; END"
    )
