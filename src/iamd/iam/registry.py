"""Every IAM operation iamd implements, by its AWS name: one table per resource family."""

from __future__ import annotations

from iamd.iam import (
    access_keys,
    account,
    attachments,
    credentials,
    groups,
    inline_policies,
    instance_profiles,
    login_profiles,
    mfa,
    policies,
    providers,
    roles,
    server_certificates,
    service_linked_roles,
    users,
)
from iamd.operation import Operation

_FAMILIES = (
    users,
    access_keys,
    groups,
    roles,
    instance_profiles,
    service_linked_roles,
    policies,
    attachments,
    inline_policies,
    login_profiles,
    account,
    mfa,
    providers,
    credentials,
    server_certificates,
)

IAM_OPERATIONS: dict[str, Operation] = {
    name: operation for family in _FAMILIES for name, operation in family.OPERATIONS.items()
}
