"""The store's tables, as SQLAlchemy Core metadata.

Alembic migrations under `migrations/versions` create and change these tables; this
module is what the repositories query. The same definitions run on SQLite and
PostgreSQL.

# INVARIANT: IAM names are unique case-insensitively per account. Every named entity
# keeps a ``name_lower`` column under a unique constraint, so the database (not a
# read-then-write race) refuses the second of two concurrent creates.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Timestamp = DateTime(timezone=True)


def _account_fk() -> Column[str]:
    return Column(
        "account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )


accounts = Table(
    "accounts",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("email", String(320), nullable=False),
    Column("email_lower", String(320), nullable=False, unique=True),
    Column("root_password_hash", String(255)),
    Column("root_user_id", String(32), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("root_password_last_used", Timestamp),  # the root user's last console sign-in
    # Bumped by every write that can change a decision beyond one principal, so
    # caches know when to reload (DESIGN: "cache invalidated by a version number").
    Column("authz_version", Integer, nullable=False, default=0),
)

account_aliases = Table(
    "account_aliases",
    metadata,
    Column("alias", String(63), primary_key=True),
    _account_fk(),
    UniqueConstraint("account_id", name="uq_account_aliases_account"),
)

password_policies = Table(
    "password_policies",
    metadata,
    Column(
        "account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("settings", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    _account_fk(),
    Column("name", String(64), nullable=False),
    Column("name_lower", String(64), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("password_last_used", Timestamp),
    Column("boundary_arn", String(2048)),
    # Bumped by writes confined to this user (see `authz_tables`).
    Column("authz_version", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("account_id", "name_lower", name="uq_users_account_name"),
    # ListPolicies counts boundary uses per page of policies: without this index
    # that count reads every user of the account.
    Index("ix_users_account_boundary", "account_id", "boundary_arn"),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("id", String(128), primary_key=True),
    _account_fk(),
    # NULL for the account's root user.
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE")),
    Column("secret_sealed", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("last_used_at", Timestamp),
    Column("last_used_service", String(64)),
    Column("last_used_region", String(64)),
    Index("ix_access_keys_user", "user_id"),
)

tags = Table(
    "tags",
    metadata,
    _account_fk(),
    # The tagged entity: "user", "role", "policy", "instance-profile", "mfa", "oidc", ...
    Column("entity_kind", String(32), nullable=False),
    Column("entity_id", String(2048), nullable=False),
    Column("key", String(128), nullable=False),
    Column("key_lower", String(128), nullable=False),
    Column("value", String(256), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("entity_kind", "entity_id", "key_lower"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", String(32), primary_key=True),
    _account_fk(),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_groups_account_name"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("group_id", String(32), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("added_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("group_id", "user_id"),
    Index("ix_group_members_user", "user_id"),
)

roles = Table(
    "roles",
    metadata,
    Column("id", String(32), primary_key=True),
    _account_fk(),
    Column("name", String(64), nullable=False),
    Column("name_lower", String(64), nullable=False),
    Column("path", String(512), nullable=False),
    Column("trust_policy", Text, nullable=False),
    Column("description", String(1000)),
    Column("max_session_duration", Integer, nullable=False),
    # AWS Sign-In session limit for the role, in seconds; NULL while unset.
    Column("max_signin_session_duration", Integer),
    Column("boundary_arn", String(2048)),
    Column("created_at", Timestamp, nullable=False),
    Column("last_used_at", Timestamp),
    Column("last_used_region", String(64)),
    # Bumped by writes confined to this role (see `authz_tables`).
    Column("authz_version", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("account_id", "name_lower", name="uq_roles_account_name"),
    Index("ix_roles_account_boundary", "account_id", "boundary_arn"),
)

managed_policies = Table(
    "managed_policies",
    metadata,
    Column("id", String(32), primary_key=True),
    _account_fk(),
    Column("arn", String(2048), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("description", String(1000)),
    Column("default_version_id", String(16), nullable=False),
    Column("next_version", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_managed_policies_account_name"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column(
        "policy_id",
        String(32),
        ForeignKey("managed_policies.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version_id", String(16), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("policy_id", "version_id"),
)

# Managed-policy attachments and permissions boundaries point at a policy ARN, which
# may be an AWS managed policy from the catalog (not stored here) or a customer one.
policy_attachments = Table(
    "policy_attachments",
    metadata,
    _account_fk(),
    Column("principal_kind", String(8), nullable=False),
    Column("principal_id", String(32), nullable=False),
    Column("policy_arn", String(2048), nullable=False),
    Column("attached_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("principal_kind", "principal_id", "policy_arn"),
    # AWS managed ARNs are shared by every account: count within one account only.
    Index("ix_policy_attachments_arn", "policy_arn", "account_id"),
)

inline_policies = Table(
    "inline_policies",
    metadata,
    _account_fk(),
    Column("principal_kind", String(8), nullable=False),
    Column("principal_id", String(32), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("document", Text, nullable=False),
    PrimaryKeyConstraint("principal_kind", "principal_id", "name_lower"),
)

login_profiles = Table(
    "login_profiles",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("reset_required", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("password_changed_at", Timestamp, nullable=False),
)

password_history = Table(
    "password_history",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_password_history_user", "user_id"),
)

mfa_devices = Table(
    "mfa_devices",
    metadata,
    Column("serial", String(2048), primary_key=True),
    _account_fk(),
    Column("name", String(226), nullable=False),
    Column("path", String(512), nullable=False),
    Column("seed_sealed", LargeBinary, nullable=False),
    # NULL while unassigned; the root user is recorded as the account's root marker.
    Column("user_id", String(32)),
    Column("enabled_at", Timestamp),
    Column("created_at", Timestamp, nullable=False),
    Column("last_counter", Integer, nullable=False, default=0),
    # How many 30-second steps the device's clock runs ahead (negative: behind),
    # learned when it is enabled or resynchronized.
    Column("drift_steps", Integer, nullable=False, default=0),
    Index("ix_mfa_devices_user", "user_id"),
)

instance_profiles = Table(
    "instance_profiles",
    metadata,
    Column("id", String(32), primary_key=True),
    _account_fk(),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_instance_profiles_account_name"),
)

instance_profile_roles = Table(
    "instance_profile_roles",
    metadata,
    Column(
        "profile_id",
        String(32),
        ForeignKey("instance_profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("role_id", String(32), ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
)

oidc_providers = Table(
    "oidc_providers",
    metadata,
    Column("arn", String(2048), primary_key=True),
    _account_fk(),
    Column("url", String(255), nullable=False),
    Column("client_ids", Text, nullable=False),
    Column("thumbprints", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    # UpdateOpenIDConnectProvider's trusted identity propagation settings.
    Column("context_provider", Text),  # AWS's ContextProvider structure, as JSON
    Column("identity_center_instance_arn", String(1224)),
)

saml_providers = Table(
    "saml_providers",
    metadata,
    Column("arn", String(2048), primary_key=True),
    _account_fk(),
    Column("name", String(128), nullable=False),
    Column("metadata_document", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("valid_until", Timestamp),
    Column("uuid", String(64), nullable=False),
    Column("encryption_mode", String(16), nullable=False),
    # The assertion-decryption private keys: a sealed JSON list, NULL when none.
    Column("private_keys_sealed", LargeBinary),
)

user_credentials = Table(
    "user_credentials",
    metadata,
    # SSH public keys, signing certificates and service-specific credentials.
    Column("id", String(128), primary_key=True),
    _account_fk(),
    Column("kind", String(16), nullable=False),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    Column("fingerprint", String(128)),
    Column("service_name", String(128)),
    Column("service_user_name", String(200)),
    Column("secret_sealed", LargeBinary),
    Column("status", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_user_credentials_user", "user_id", "kind"),
)

server_certificates = Table(
    "server_certificates",
    metadata,
    Column("id", String(32), primary_key=True),
    _account_fk(),
    Column("name", String(128), nullable=False),
    Column("name_lower", String(128), nullable=False),
    Column("path", String(512), nullable=False),
    Column("body", Text, nullable=False),
    Column("chain", Text),
    Column("uploaded_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    UniqueConstraint("account_id", "name_lower", name="uq_server_certificates_account_name"),
)

credential_reports = Table(
    "credential_reports",
    metadata,
    # The account's latest credential report (GenerateCredentialReport), as its CSV.
    Column(
        "account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("generated_at", Timestamp, nullable=False),
    Column("content", Text, nullable=False),
)

# Console sign-in failures, so that every server process sharing the store counts
# the same attempts. The key names the principal (account and case-folded name).
signin_failures = Table(
    "signin_failures",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", Timestamp, nullable=False),
)

# Account-wide preferences one row per (account, name): PutAccountProperties's
# ``Namespace/PropertyName`` keys and the STS global endpoint token version.
account_preferences = Table(
    "account_preferences",
    metadata,
    _account_fk(),
    Column("name", String(512), nullable=False),
    Column("value", Text, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("account_id", "name"),
)

# Outbound web identity federation: whether the account's principals may get JWTs
# from GetWebIdentityToken, and the account's issuer (kept across disable/enable).
outbound_federation = Table(
    "outbound_federation",
    metadata,
    Column(
        "account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("issuer_id", String(64), nullable=False, unique=True),
    Column("issuer_url", String(1024), nullable=False),
    Column("is_enabled", Boolean, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

# The keys iamd signs outbound web identity tokens with, shared by every issuer it
# serves. The private key is sealed under the master key, bound to its key id.
token_signing_keys = Table(
    "token_signing_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("algorithm", String(16), nullable=False),
    Column("private_key_sealed", LargeBinary, nullable=False),
    Column("public_jwk", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("retired_at", Timestamp),  # published until well after this, never used again
)

# The audit trail (`iamd.audit`): one CloudTrail record per event and account whose
# event history holds it; an event that crosses accounts (AssumeRole of another
# account's role) is stored once for each, as AWS delivers it to both. No foreign key
# to accounts: the history of a call outlives what it acted on, and an event may name
# no account at all (a signature made with a key nobody has). The columns beside the
# record are the ones LookupEvents and the access advisor filter on.
audit_events = Table(
    "audit_events",
    metadata,
    # Insertion order: the tie-breaker of equal event times, and the order of pruning.
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    # Unique without an index of its own: a random UUID that leads with the time it
    # was made (`audit.events.event_id`), found through the (account, time) index.
    Column("event_id", String(36), nullable=False),
    Column("account_id", String(12)),
    Column("event_time", Timestamp, nullable=False),
    Column("event_source", String(64), nullable=False),
    Column("event_name", String(128), nullable=False),
    Column("aws_region", String(32), nullable=False),
    Column("read_only", Boolean, nullable=False),
    Column("username", String(256)),
    Column("access_key_id", String(128)),
    # The unique id of the IAM user or role that acted (a role session: its role).
    Column("actor_id", String(128)),
    Column("error_code", String(128)),
    # The first resource the event names (most name one); the others are in
    # audit_event_resources, so a typical event is one row to insert, not two.
    Column("resource_type", String(64)),
    Column("resource_name", String(2048)),
    Column("record", Text, nullable=False),
    Index("ix_audit_events_account_time", "account_id", "event_time", "event_id"),
    Index("ix_audit_events_account_resource", "account_id", "resource_name", "event_time"),
    Index("ix_audit_events_account_name", "account_id", "event_name", "event_time"),
    Index("ix_audit_events_account_username", "account_id", "username", "event_time"),
    Index("ix_audit_events_account_key", "account_id", "access_key_id", "event_time"),
    Index("ix_audit_events_actor", "actor_id", "event_time"),
)

# The resources an event names beyond its first, as LookupEvents' ResourceType and
# ResourceName (position 1, 2, …; the first is in the event's own row).
audit_event_resources = Table(
    "audit_event_resources",
    metadata,
    Column("event_id", String(36), nullable=False),  # deleted with its event by pruning
    Column("position", Integer, nullable=False),
    Column("account_id", String(12)),
    Column("event_time", Timestamp, nullable=False),
    Column("resource_type", String(64), nullable=False),
    Column("resource_name", String(2048), nullable=False),
    PrimaryKeyConstraint("event_id", "position"),
    Index("ix_audit_event_resources_name", "account_id", "resource_name", "event_time"),
    Index("ix_audit_event_resources_type", "account_id", "resource_type", "event_time"),
)

# The events of writing calls, inserted in the call's own transaction (so the write
# and its event commit together) into this table without secondary indexes (so the
# write's transaction touches one more page, not eight), then moved to audit_events
# with the next batch. LookupEvents reads both.
audit_outbox = Table(
    "audit_outbox",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(36), nullable=False),
    Column("account_id", String(12)),
    Column("event_time", Timestamp, nullable=False),
    Column("event_source", String(64), nullable=False),
    Column("event_name", String(128), nullable=False),
    Column("aws_region", String(32), nullable=False),
    Column("read_only", Boolean, nullable=False),
    Column("username", String(256)),
    Column("access_key_id", String(128)),
    Column("actor_id", String(128)),
    Column("error_code", String(128)),
    Column("resources", Text),  # JSON [[type, name], …], every resource the event names
    Column("record", Text, nullable=False),
)

# Access advisor reports (GenerateServiceLastAccessedDetails): computed from the trail
# when the job is created, kept as JSON for GetServiceLastAccessedDetails to page.
access_advisor_reports = Table(
    "access_advisor_reports",
    metadata,
    Column("job_id", String(36), primary_key=True),
    _account_fk(),
    Column("entity_arn", String(2048), nullable=False),
    # Who generated it (`iamd.audit.advisor.requester_of`): no one else may read it.
    Column("requester", String(64), nullable=False),
    Column("granularity", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("completed_at", Timestamp, nullable=False),
    Column("report", Text, nullable=False),
    Index("ix_access_advisor_reports_account_created", "account_id", "created_at"),
)

# One-time links that let a root user set (or recover) its console email and password.
# Only the SHA-256 digest of a link's token is kept: the token itself is printed once.
root_login_links = Table(
    "root_login_links",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    _account_fk(),
    Column("purpose", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Index("ix_root_login_links_account", "account_id"),
)

# Console sign-ins open on the server, so that signing out ends one at once (a copied
# cookie stops working). Keyed by the SHA-256 of the session's random handle.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("handle_digest", String(64), primary_key=True),
    Column("account_id", String(12), nullable=False),
    Column("principal_id", String(32), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Index("ix_console_sessions_principal", "principal_id"),
)

# Buckets the data plane (`iamd gateway --service s3`) fronts: which account owns each
# (recorded when it is created through a gateway) and its bucket policy. Bucket names
# are global, as in S3, so the name alone is the key.
s3_buckets = Table(
    "s3_buckets",
    metadata,
    Column("name", String(63), primary_key=True),
    _account_fk(),
    Column("created_at", Timestamp, nullable=False),
    Column("policy", Text),
    Index("ix_s3_buckets_account_id", "account_id"),
)
