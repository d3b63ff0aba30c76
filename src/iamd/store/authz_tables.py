"""Which writes can change an authorization decision, table by table, and whose.

Every table of the schema is named here exactly once: either it feeds authorization
(a principal's policies, boundary, tags, groups, keys, the account's password
policy, the providers and roles that trust policies name) and the database itself
bumps a version on every write to it, through triggers installed by migration (a
change here needs a new migration that drops and recreates them); or it does not,
and the reason is written down. A test holds the database's triggers to this table.

Versions come at two grains. A write confined to one principal — its tags, its own
inline and attached policies, its group memberships, its access keys, its login
profile, its boundary — bumps that user's or role's own ``authz_version``. Every
other write (anything shared: managed policies and their versions, groups, names and
paths, which are in ARNs, deletions, providers, the password policy) bumps the
account's. Per-process caches of what a principal may do (its key, its compiled
policies) compare both; caches of named entities compare the account's. So tagging
or attaching a policy to one user leaves every other principal's caches warm, while
whether a revoked permission is still honoured never depends on an operation
remembering to say so.
"""

from __future__ import annotations

from dataclasses import dataclass

_BUMP = "UPDATE {table} SET authz_version = authz_version + 1 WHERE {where}"


def account(expression: str = "ROW.account_id") -> str:
    """Bump the account whose id ``expression`` (over the row ``ROW``) gives."""
    return _BUMP.format(table="accounts", where=f"id = {expression}")


def _via(parent: str, key: str) -> str:
    return f"(SELECT account_id FROM {parent} WHERE id = ROW.{key})"


def own(table: str) -> str:
    """Bump the changed user's or role's own version."""
    return _BUMP.format(table=table, where="id = ROW.id")


def user(column: str) -> str:
    """Bump the version of the user that ``column`` names (none when it is NULL)."""
    return _BUMP.format(table="users", where=f"id = ROW.{column}")


def principal(kind: str, key: str) -> tuple[str, ...]:
    """Bump the user or role the row belongs to; anything else (a group…) the account."""
    return (
        _BUMP.format(table="users", where=f"ROW.{kind} = 'user' AND id = ROW.{key}"),
        _BUMP.format(table="roles", where=f"ROW.{kind} = 'role' AND id = ROW.{key}"),
        _BUMP.format(
            table="accounts",
            where=f"ROW.{kind} NOT IN ('user', 'role') AND id = ROW.account_id",
        ),
    )


# a root key (no user) is the account's
_ROOT_KEY = _BUMP.format(table="accounts", where="ROW.user_id IS NULL AND id = ROW.account_id")


@dataclass(frozen=True)
class Trigger:
    """After which writes to a table (``UPDATE`` only of ``columns``, if given), what runs."""

    name: str  # unique within the table
    event: str  # INSERT, DELETE or UPDATE
    bumps: tuple[str, ...]
    columns: tuple[str, ...] | None = None


def everything(*bumps: str, columns: tuple[str, ...] | None = None) -> tuple[Trigger, ...]:
    """The same bumps after every insert, delete and (relevant) update."""
    return (
        Trigger("insert", "INSERT", bumps),
        Trigger("delete", "DELETE", bumps),
        Trigger("update", "UPDATE", bumps, columns),
    )


def _named_principal(table: str, decisive: tuple[str, ...]) -> tuple[Trigger, ...]:
    """A user or role: renames and deletions are everyone's; the rest is its own.

    Creating one changes nothing anybody has cached: no cache holds an entity that did
    not exist, and its id is new.
    """
    return (
        Trigger("delete", "DELETE", (account(),)),
        Trigger("rename", "UPDATE", (account(),), ("name", "name_lower", "path")),
        Trigger("update", "UPDATE", (own(table),), decisive),
    )


AUTHZ_TABLES: dict[str, tuple[Trigger, ...]] = {
    # last-use bookkeeping (password_last_used, last_used_*) changes no decision
    "users": _named_principal("users", ("boundary_arn",)),
    "roles": _named_principal("roles", ("trust_policy", "max_session_duration", "boundary_arn")),
    "access_keys": everything(
        user("user_id"), _ROOT_KEY, columns=("status", "secret_sealed", "user_id")
    ),
    # a device moves between users (and to none) on enable and deactivate
    "mfa_devices": everything(account(), columns=("user_id", "enabled_at", "seed_sealed")),
    "groups": everything(account()),
    "group_members": everything(user("user_id")),
    "managed_policies": everything(account()),
    "policy_versions": everything(account(_via("managed_policies", "policy_id"))),
    "policy_attachments": everything(*principal("principal_kind", "principal_id")),
    "inline_policies": everything(*principal("principal_kind", "principal_id")),
    "tags": everything(*principal("entity_kind", "entity_id")),
    "password_policies": everything(account()),
    "login_profiles": everything(
        user("user_id"), columns=("password_hash", "reset_required", "password_changed_at")
    ),
    "oidc_providers": everything(account()),
    # their names and paths are in the ARNs that policies are matched against
    "instance_profiles": everything(account()),
    "server_certificates": everything(account(), columns=("name", "name_lower", "path")),
    "saml_providers": everything(account()),
    # a bucket's owner and policy decide every request to it through a gateway
    "s3_buckets": everything(account()),
}

UNRELATED_TABLES: dict[str, str] = {
    "accounts": "holds the version itself; its other columns are the root's sign-in",
    "account_aliases": "a name for the sign-in page, never in a policy decision",
    "credential_reports": "a generated report",
    "signin_failures": "console sign-in throttling",
    "password_history": "checked only when a password is set",
    "instance_profile_roles": "which role a profile holds; no decision reads it",
    "user_credentials": "signing certificates, SSH keys, service credentials",
    "alembic_version": "the migration bookkeeping",
    "account_preferences": "STS endpoint preferences and account properties",
    "outbound_federation": "whether iamd issues tokens for the account's principals",
    "token_signing_keys": "keys that sign outbound tokens, not read by decisions",
    "root_login_links": "one-time links to set a root's console login",
    "console_sessions": "console sign-in sessions, checked by the console itself",
    "audit_events": "the audit trail: a record of decisions, never an input to one",
    "audit_event_resources": "the resources audit events name, for LookupEvents",
    "audit_outbox": "writing calls' audit events, until moved to audit_events",
    "access_advisor_reports": "last-accessed reports generated from the audit trail",
}


def trigger_names(table: str) -> tuple[str, ...]:
    """The triggers that bump versions for ``table``, by name."""
    return tuple(_name(table, trigger) for trigger in AUTHZ_TABLES[table])


def _name(table: str, trigger: Trigger) -> str:
    return f"iamd_authz_{table}_{trigger.name}"


def create_statements(dialect: str, table: str) -> list[str]:
    """The DDL that makes every write to ``table`` bump the versions it changes."""
    statements: list[str] = []
    for trigger in AUTHZ_TABLES[table]:
        name = _name(table, trigger)
        event = trigger.event
        if trigger.columns:
            event += f" OF {', '.join(trigger.columns)}"
        if dialect == "sqlite":
            row = "OLD." if trigger.event == "DELETE" else "NEW."
            body = "".join(f"{bump.replace('ROW.', row)}; " for bump in trigger.bumps)
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body}END"
            )
            continue
        row = "OLD." if trigger.event == "DELETE" else "NEW."
        body = "".join(f"    {bump.replace('ROW.', row)};\n" for bump in trigger.bumps)
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}    RETURN NULL;\nEND $$",
            f"CREATE TRIGGER {name} AFTER {event} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return statements


def drop_statements(dialect: str, table: str) -> list[str]:
    names = trigger_names(table)
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in names]
    drops = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in names]
    return [*drops, *(f"DROP FUNCTION IF EXISTS {name}()" for name in names)]
