"""Allowances remembered per compiled policy set, when nothing else could change them.

Over policies with no Condition, no Principal and no policy variable
(`PrincipalPolicies.is_context_free`), whether a call is allowed depends on the
caller, the action and the resource alone: the request's time, address, tags and
session keys are never read. Such an allowance is remembered for the
`PrincipalPolicies` object it was decided from (the entry holds that object, so its
identity is never another's). The principal-policy cache builds a new object
whenever a write bumps the account's or the principal's version, so no entry is
found again once the policies, the boundary or the tags it was decided with change.

One bound holds for the whole process, not one per principal: accounts and users
can be created at will (sign-up may be open), and a caller may name any number of
resources, so per-principal memos could grow without limit in sum. Past the bound
the memo starts over.

An allowance stands for every resource at once when each statement of the policies
that names its action names every resource (``"Resource": "*"``, as AdministratorAccess
and IAMFullAccess do): which resource a call names then cannot change the outcome, so
a caller creating users by the thousand, each with a new ARN, is decided for once.

Only allowances are remembered. A denial is decided afresh each time: its
AccessDenied message and encoded authorization message quote the request it refused.
A remembered allowance keeps the request it was first decided for; what is read of
an allowance (its outcome, matched statements and reasons, for the audit trail) is
the same for every request it stands for. Only callers without a session are served
from here: a session's policies (and any scope-down layers, GetScopedCredentials')
come with each of its calls.
"""

from __future__ import annotations

from iamd.auth.caller import Caller
from iamd.authz.principal_policies import PrincipalPolicies
from iamd.policy import Decision

# Allowances remembered in this process, for every policy set together.
MAX_REMEMBERED = 10_000

# the policies' id, the caller's ARN, action, resource (None: any, see `_resource_key`)
_Key = tuple[int, str, str, str | None]
_remembered: dict[_Key, tuple[PrincipalPolicies, Decision]] = {}


def remembered(
    policies: PrincipalPolicies, caller: Caller, action: str, resource_arn: str
) -> Decision | None:
    """The allowance these policies gave this caller for this action and resource."""
    if not _may_remember(policies, caller):
        return None
    key = (id(policies), caller.arn, action, _resource_key(policies, action, resource_arn))
    found = _remembered.get(key)
    return found[1] if found is not None and found[0] is policies else None


def remember(
    policies: PrincipalPolicies, caller: Caller, action: str, resource_arn: str, decision: Decision
) -> None:
    """Keep ``decision`` for the next such call, if it is an allowance nothing else decides."""
    if not decision.allowed or not _may_remember(policies, caller):
        return
    if len(_remembered) >= MAX_REMEMBERED:
        _remembered.clear()  # one call: safe while other threads read
    key = (id(policies), caller.arn, action, _resource_key(policies, action, resource_arn))
    _remembered[key] = (policies, decision)


def remembered_count() -> int:
    """How many allowances the process holds now."""
    return len(_remembered)


def _may_remember(policies: PrincipalPolicies, caller: Caller) -> bool:
    # A session's policies are built anew for each of its calls (its session policies
    # and tags on top of its role's), so nothing remembered for one would be found again.
    return caller.session is None and policies.is_context_free


def _resource_key(policies: PrincipalPolicies, action: str, resource_arn: str) -> str | None:
    return None if policies.cover_every_resource(action) else resource_arn
