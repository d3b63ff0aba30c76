"""Who is calling: the principal an authenticated request acts as.

A request signed with a long-term access key acts as the root user or an IAM user.
A request signed with temporary credentials also carries the `Session` they were
issued for (opened from the session token, see `iamd.auth.sessions`): a role session,
a federated user, or a user's or the root user's own GetSessionToken session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from iamd.arn import root_arn

Tags = tuple[tuple[str, str], ...]

# Where a session came from: its Caller.kind, or for GetSessionToken the user kind.
ROLE_SESSION = "assumed-role"
FEDERATED_SESSION = "federated-user"
USER_SESSION = "user"
ROOT_SESSION = "root"


@dataclass(frozen=True)
class Session:
    """What temporary credentials carry beyond the caller's identity.

    ``parent_arn`` is the role's ARN for a role session, the federating user's (or
    root's) ARN for a federated user. ``has_policies`` says whether session policies
    were passed at all (then only what they allow is allowed). ``provider_arn`` names
    the OIDC or SAML provider a web identity or SAML session came through.
    """

    origin: str
    issued_at: datetime
    expires_at: datetime
    parent_arn: str | None = None
    policy_texts: tuple[str, ...] = ()
    policy_arns: tuple[str, ...] = ()
    tags: Tags = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_at: datetime | None = None
    provider_arn: str | None = None
    scope_texts: tuple[str, ...] = ()  # GetScopedCredentials' layers, each must allow

    @property
    def has_policies(self) -> bool:
        return bool(self.policy_texts or self.policy_arns)

    @property
    def has_mfa(self) -> bool:
        return self.mfa_at is not None

    @property
    def transitive_tags(self) -> Tags:
        """The session tags a role chain carries on to the next session."""
        keys = {key.lower() for key in self.transitive_tag_keys}
        return tuple((key, value) for key, value in self.tags if key.lower() in keys)


@dataclass(frozen=True)
class Caller:
    """An authenticated principal.

    ``kind`` is "root", "user", "assumed-role", "federated-user" or, for the unsigned
    web identity and SAML calls, "anonymous"; ``user_id`` is what GetCallerIdentity
    reports as UserId (the account id for root, AIDA… for a user, AROA…:session for
    a role session, account:name for a federated user).
    """

    account_id: str
    kind: str
    arn: str
    user_id: str
    name: str | None = None
    access_key_id: str | None = None
    partition: str = "aws"
    entity_id: str | None = None  # the user's or role's id in the store
    tags: Tags = field(default=())
    session: Session | None = None

    @property
    def is_root(self) -> bool:
        return self.kind == "root"

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def has_session(self) -> bool:
        return self.session is not None


def root_caller(account_id: str, *, access_key_id: str | None, partition: str) -> Caller:
    return Caller(
        account_id=account_id,
        kind="root",
        arn=root_arn(account_id, partition=partition),
        user_id=account_id,
        access_key_id=access_key_id,
        partition=partition,
    )


def anonymous_caller(*, partition: str) -> Caller:
    """The unsigned web identity and SAML calls: the token in the request is the proof."""
    return Caller(account_id="", kind="anonymous", arn="*", user_id="", partition=partition)
