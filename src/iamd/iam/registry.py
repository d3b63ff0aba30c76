"""Every IAM operation iamd implements, by its AWS name: one table per resource family."""

from __future__ import annotations

from iamd.iam import (
    access_keys,
    account,
    account_properties,
    attachments,
    delegation_requests,
    groups,
    inline_policies,
    instance_profiles,
    login_profiles,
    mfa,
    oidc_providers,
    organizations,
    outbound_federation,
    policies,
    role_templates,
    roles,
    saml_providers,
    server_certificates,
    service_credentials,
    service_linked_roles,
    signing_certificates,
    simulate,
    ssh_public_keys,
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
    oidc_providers,
    saml_providers,
    ssh_public_keys,
    signing_certificates,
    service_credentials,
    server_certificates,
    simulate,
    account_properties,
    organizations,
    delegation_requests,
    role_templates,
    outbound_federation,
)

IAM_OPERATIONS: dict[str, Operation] = {
    name: operation for family in _FAMILIES for name, operation in family.OPERATIONS.items()
}
