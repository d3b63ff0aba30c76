"""Allowances remembered per compiled policy set, when nothing else could change them.

Over policies with no Condition, no Principal and no policy variable
(`PrincipalPolicies.is_context_free`), whether a call is allowed depends on the
caller, the action and the resource alone: the request's time, address, tags and
session keys are never read. Such an allowance is remembered on the
`PrincipalPolicies` it was decided from, which the principal-policy cache replaces
whenever a write bumps the account's or the principal's version — so no entry
outlives the policies, the boundary or the tags it was decided with.

Only allowances are remembered. A denial is decided afresh each time: its
AccessDenied message and encoded authorization message quote the request it refused.
A remembered allowance keeps the request it was first decided for; what is read of
an allowance (its outcome, matched statements and reasons, for the audit trail) is
the same for every request it stands for. Scope-down layers (GetScopedCredentials)
come from the caller's session rather than these policies: a caller with any is
never served from here.
"""

from __future__ import annotations

from iamd.auth.caller import Caller
from iamd.authz.principal_policies import PrincipalPolicies
from iamd.authz.scopes import scope_policies
from iamd.policy import Decision

# Distinct (caller, action, resource) allowances one policy set keeps; past it the
# memo starts over, so a caller naming endless resources cannot grow it without bound.
MAX_REMEMBERED = 1024


def remembered(
    policies: PrincipalPolicies, caller: Caller, action: str, resource_arn: str
) -> Decision | None:
    """The allowance these policies gave this caller for this action and resource."""
    if not _may_remember(policies, caller):
        return None
    return policies.allowances.get((caller.arn, action, resource_arn))


def remember(
    policies: PrincipalPolicies, caller: Caller, action: str, resource_arn: str, decision: Decision
) -> None:
    """Keep ``decision`` for the next such call, if it is an allowance nothing else decides."""
    if not decision.allowed or not _may_remember(policies, caller):
        return
    allowances = policies.allowances
    if len(allowances) >= MAX_REMEMBERED:
        allowances.clear()  # one call: safe while other threads read
    allowances[(caller.arn, action, resource_arn)] = decision


def _may_remember(policies: PrincipalPolicies, caller: Caller) -> bool:
    return policies.is_context_free and not scope_policies(caller)
