"""The authorization seam: may this caller perform this action on these resources?

Every request passes through `authorize` once, after authentication and validation
and before the operation. Temporary credentials first meet the limits AWS puts on
their kind (`session_limits`). The root user may do anything in its own account;
every other caller is decided by the policy engine over its identity policies,
permissions boundary and session policies (compiled once per principal and store
version, see `principal_policies`), with the request context AWS would build: the
action, the stored entity's ARN (`resources`), and the condition keys the request
carries, the resource's tags resolved when any policy reads them (`context_keys`).
An allowance that nothing but the caller, action and resource could change is
remembered with the policies it came from (`allowances`).
A call needs every action it implies: a rename its action on the new ARN too,
creating with tags the tagging action, and AWS's dependent actions
(`dependent_actions`). Assuming a role is decided by the operation itself, which
evaluates the role's trust policy together with the caller's identity policies.

Every decision is also written to the call's `journal` (`authz.journal`), allowed or
denied, for the audit trail; nothing reads it back to decide.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from iamd.authz.allowances import remember, remembered
from iamd.authz.call import CallContext
from iamd.authz.context_keys import ContextKeys, request_keys, resource_tags
from iamd.authz.dependent_actions import dependent_actions
from iamd.authz.journal import (
    BY_ANONYMITY,
    BY_EVERY_CALLER,
    BY_PASSWORD_POLICY,
    BY_ROOT,
    BY_SESSION_LIMITS,
    Evaluation,
)
from iamd.authz.principal_policies import PrincipalPolicies, policies_for, principal_of
from iamd.authz.resources import Target, action_exists, resource_target, targets
from iamd.authz.scopes import is_scoped, scope_policies
from iamd.authz.session_limits import check_session_limits
from iamd.errors import AccessDenied, ServiceError
from iamd.policy import (
    Decision,
    Policy,
    RequestContext,
    access_denied_message,
    compile_policy,
    decide,
    parse_policy,
)
from iamd.policy.context import KeyResolver
from iamd.store import account_settings

# Actions AWS answers for any authenticated caller, whatever its policies say.
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity", "sts:GetSessionToken"})

# Decided inside the operation: the trust policy and the caller's side together.
DECIDED_BY_OPERATION = frozenset(
    {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"}
)

# The policy type resource-based policies carry in decisions (the simulator's word).
RESOURCE_POLICY = "resource"

# What the password policy's AllowUsersToChangePassword grants every IAM user, for
# their own password (IAM User Guide, "Set an account password policy").
SELF_SERVICE_PASSWORD = frozenset({"iam:ChangePassword", "iam:GetAccountPasswordPolicy"})


def authorize(ctx: CallContext, service: str, operation: str, params: Mapping[str, Any]) -> None:
    """Raise AWS's AccessDenied unless the caller may do this."""
    action = f"{service}:{operation}"
    _check_session_limits(ctx, service, operation)
    if action in DECIDED_BY_OPERATION:  # the operation journals its own decisions
        return
    if ctx.caller.is_anonymous:
        _note(ctx, action, BY_ANONYMITY, allowed=False)
        raise AccessDenied(f"Not authorized to perform {action}")
    if action in ALWAYS_ALLOWED or (ctx.caller.is_root and not is_scoped(ctx.caller)):
        return _note(ctx, action, BY_ROOT if ctx.caller.is_root else BY_EVERY_CALLER, allowed=True)
    if action in SELF_SERVICE_PASSWORD and _users_may_change_passwords(ctx):
        return _note(ctx, action, BY_PASSWORD_POLICY, allowed=True)
    policies = policies_for(ctx)
    keys: ContextKeys | None = None  # built for the first check no allowance answers
    for needed, target in _checks(ctx, service, operation, params):
        decision = remembered(policies, ctx.caller, needed, target.arn)
        if decision is None:
            keys = request_keys(ctx, params) if keys is None else keys
            decision = _decide(ctx, policies, needed, target, keys)
        _journal(ctx, policies, needed, target, decision)


def _check_session_limits(ctx: CallContext, service: str, operation: str) -> None:
    try:
        check_session_limits(ctx.caller, service, operation)
    except ServiceError:
        _note(ctx, f"{service}:{operation}", BY_SESSION_LIMITS, allowed=False)
        raise


def _note(ctx: CallContext, action: str, basis: str, *, allowed: bool) -> None:
    ctx.journal.add(Evaluation(action, "*", allowed, basis))


def _checks(
    ctx: CallContext, service: str, operation: str, params: Mapping[str, Any]
) -> Iterator[tuple[str, Target]]:
    """Every (action, resource) the call needs, the call's own action first."""
    own = targets(ctx.conn, ctx.caller, service, operation, params)
    for target in own:
        yield f"{service}:{operation}", target
    for tagging in _tagging_on_create(service, operation, params):
        yield f"{service}:{tagging}", own[0]
    for dependent_service, dependent in dependent_actions(service, operation):
        target = resource_target(ctx.conn, ctx.caller, dependent_service, dependent, params)
        # AWS names a dependent action's resource by its ARN ("iam:PassRole on resource:
        # arn:aws:iam::…:role/app"), not the way it names the call's own resource.
        yield f"{dependent_service}:{dependent}", replace(target, label=None)


def _decide(
    ctx: CallContext,
    policies: PrincipalPolicies,
    action: str,
    target: Target,
    keys: Mapping[str, Any],
) -> Decision:
    decision = decide_access(
        ctx,
        action,
        target.arn,
        keys,
        policies=policies,
        resolver=resource_tags(ctx.conn, target.stored),
    )
    remember(policies, ctx.caller, action, target.arn, decision)
    return decision


def _journal(
    ctx: CallContext, policies: PrincipalPolicies, action: str, target: Target, decision: Decision
) -> None:
    """Note the decision for the audit trail; raise AccessDenied if it refuses."""
    ctx.journal.add(
        Evaluation(
            action, target.arn, decision.allowed, decision=decision, origins=policies.origins
        )
    )
    if not decision.allowed:
        raise AccessDenied(access_denied_message(decision, resource_label=target.label))


def decide_access(
    ctx: CallContext,
    action: str,
    resource_arn: str,
    keys: Mapping[str, Any],
    *,
    policies: PrincipalPolicies | None = None,
    resolver: KeyResolver | None = None,
    resource_policy: Policy | None = None,
    resource_account: str | None = None,
) -> Decision:
    """The decision for one action on one resource, over every policy that applies.

    The caller's own policies (`principal_policies`, cached) with, for the data plane, the
    resource's policy and owning account (a bucket policy; cross-account needs both).
    """
    if policies is None:
        policies = policies_for(ctx)
    request = RequestContext(
        principal_of(ctx.caller, policies.tags), action, resource_arn, keys, resolver=resolver
    )
    return decide(
        request,
        identity=policies.identity,
        boundary=policies.boundary,
        session=policies.session,
        scopes=scope_policies(ctx.caller),
        resource=resource_policy,
        resource_account=resource_account,
    )


@lru_cache(maxsize=4096)
def resource_policy(text: str, policy_id: str) -> Policy:
    """A resource-based policy (a bucket's, an API's), compiled once per distinct document."""
    return compile_policy(parse_policy(text), policy_id=policy_id, policy_type=RESOURCE_POLICY)


def _tagging_on_create(service: str, operation: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """Creating an entity with Tags also needs permission to tag it (``iam:TagUser``…)."""
    if not params.get("Tags") or not operation.startswith(("Create", "Upload")):
        return ()
    noun = operation.removeprefix("Create").removeprefix("Upload").removeprefix("Virtual")
    tag_operation = f"Tag{noun}"
    return (tag_operation,) if action_exists(service, tag_operation) else ()


def _users_may_change_passwords(ctx: CallContext) -> bool:
    policy = account_settings.find_password_policy(ctx.conn, ctx.account_id)
    return ctx.caller.is_user and policy is not None and policy.allow_users_to_change
