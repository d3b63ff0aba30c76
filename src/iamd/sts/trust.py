"""Roles as STS assumes them: the role an ARN names, its trust policy, its session length.

In: a request's ``RoleArn`` and ``DurationSeconds``, the caller as a policy
`Principal` with its own policies, and the request context. Out: the `Role`, the
`Decision` of its trust policy evaluated with the engine (a trust policy must allow
whatever the caller's own side says: `require_resource_allow=True`, and across
accounts both sides must allow), and the session's length — or AWS's error.

A role that does not exist is refused exactly as one whose trust policy says no, so
that AssumeRole does not tell strangers which roles an account has.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Connection

from iamd.arn import Arn, iam_arn, parse_arn
from iamd.authz.context_keys import resource_tags
from iamd.authz.entities import Stored
from iamd.authz.journal import Evaluation, Origin
from iamd.authz.principal_policies import NO_POLICIES, PrincipalPolicies
from iamd.errors import ValidationError
from iamd.operation import OperationContext, Params
from iamd.policy import Decision, Policy, RequestContext, compile_policy, decide, parse_policy
from iamd.policy.context import KeyResolver
from iamd.store import roles
from iamd.store.roles import Role

DEFAULT_DURATION = 3600
CHAINED_MAX_DURATION = 3600
EXCEEDS_MAX = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
EXCEEDS_CHAINED = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
    "role chaining."
)


def checked_role_arn(text: str) -> Arn:
    """The ARN, or AWS's ValidationError ("<text> is invalid") for a malformed one."""
    arn = parse_arn(text)
    if arn is None or not arn.resource:
        raise ValidationError(f"{text} is invalid")
    return arn


def find_role(conn: Connection, role_arn: str) -> Role | None:
    """The role whose ARN this is, path included; None when there is none."""
    arn = checked_role_arn(role_arn)
    kind, _, path_and_name = arn.resource.partition("/")
    if arn.service != "iam" or kind != "role" or not path_and_name:
        return None
    path, _, name = path_and_name.rpartition("/")
    role = roles.find_role(conn, arn.account, name)
    if role is None or role.path != f"/{path}/".replace("//", "/"):
        return None
    return role


def role_arn_of(role: Role, partition: str) -> str:
    return iam_arn(role.account_id, "role", role.path, role.name, partition=partition)


def session_duration(params: Params, role: Role, *, is_chained: bool) -> int:
    """DurationSeconds (default one hour) within the role's maximum and the chaining limit."""
    duration = int(params.get("DurationSeconds") or DEFAULT_DURATION)
    if duration > role.max_session_duration:
        raise ValidationError(EXCEEDS_MAX)
    if is_chained and duration > CHAINED_MAX_DURATION:
        raise ValidationError(EXCEEDS_CHAINED)
    return duration


def decide_trust(
    request: RequestContext, role: Role, own: PrincipalPolicies = NO_POLICIES
) -> Decision:
    """The trust policy together with the caller's own policies, as AWS decides AssumeRole."""
    return decide(
        request,
        identity=own.identity,
        boundary=own.boundary,
        session=own.session,
        resource=trust_policy(role.trust_policy),
        resource_account=role.account_id,
        require_resource_allow=True,
    )


def role_tags(conn: Connection, role: Role) -> KeyResolver | None:
    """The role's tags as ``aws:ResourceTag/…``, for policies that ask about them."""
    return resource_tags(conn, Stored("role", role.role_id, role.name, role.path))


def note_trust(
    ctx: OperationContext, decision: Decision, own: PrincipalPolicies = NO_POLICIES
) -> None:
    """Keep the trust decision in the call's journal, for the audit trail."""
    origins = {**own.origins, TRUST_POLICY_ID: (Origin("trust policy"),)}
    request = decision.request
    evaluation = Evaluation(
        request.action, request.resource, decision.allowed, decision=decision, origins=origins
    )
    ctx.journal.add(evaluation)


def note_missing_role(ctx: OperationContext, action: str, role_arn: str) -> None:
    """A role that does not exist is refused like a trust policy that says no."""
    ctx.journal.add(Evaluation(action, role_arn, False, "the role does not exist"))


TRUST_POLICY_ID = "trust"


@lru_cache(maxsize=4096)
def trust_policy(text: str) -> Policy:
    """A role's trust policy, compiled once per distinct document."""
    return compile_policy(parse_policy(text), policy_id=TRUST_POLICY_ID, policy_type="Trust Policy")
