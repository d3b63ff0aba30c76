"""AWS's AccessDenied message for a decision, in the words AWS uses.

    User: arn:aws:iam::123456789012:user/alice is not authorized to perform:
    iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no
    identity-based policy allows the iam:ListUsers action

The tail names the policy type that decided ("with an explicit deny in a
resource-based policy", "because no permissions boundary allows the … action", …),
as in the IAM User Guide's "Troubleshoot access denied error messages". A role
session is named by its session ARN (`arn:aws:sts::…:assumed-role/role/session`).
Actions that have no resource (`*`) leave out "on resource: …", as AWS does.
"""

from __future__ import annotations

from iamd.policy.decide import Decision, PolicySource

_EXPLICIT = {
    "identity-based": "with an explicit deny in an identity-based policy",
    "resource-based": "with an explicit deny in a resource-based policy",
    "permissions boundary": "with an explicit deny in a permissions boundary",
    "session": "with an explicit deny in a session policy",
}
_IMPLICIT = {
    "identity-based": "because no identity-based policy allows the {action} action",
    "resource-based": "because no resource-based policy allows the {action} action",
    "permissions boundary": "because no permissions boundary allows the {action} action",
    "session": "because no session policy allows the {action} action",
}


def access_denied_message(decision: Decision, *, resource_label: str | None = None) -> str:
    """The AccessDenied message AWS would give for a denied `decision`.

    `resource_label` replaces the resource's ARN where AWS names it otherwise
    ("user bob" for a user asked about by name).
    """
    request = decision.request
    principal = request.principal
    caller = "anonymous" if principal.kind == "anonymous" else principal.arn
    head = f"User: {caller} is not authorized to perform: {request.action}"
    resource = resource_label or request.resource
    if resource and resource != "*":
        head += f" on resource: {resource}"
    tail = _tail(decision.kind, decision.deciding_policy_type, request.action)
    return f"{head} {tail}" if tail else head


def _tail(kind: str, source: PolicySource | None, action: str) -> str:
    if source is None or kind == "allowed":
        return ""
    if kind == "explicitDeny":
        return _EXPLICIT[source]
    return _IMPLICIT[source].format(action=action)
