"""IAM's Organizations features, for accounts that belong to no organization.

Centralized root access (``Enable``/``Disable``/``ListOrganizations…``) and the
Organizations access report need an AWS Organizations organization whose management
account (or IAM's delegated administrator) makes the call. Every iamd account stands
alone, so each operation answers as AWS does for an account in no organization:
``OrganizationNotFoundException``; no report job can exist, so asking for one is
``NoSuchEntity``.
"""

from __future__ import annotations

from iamd.errors import NoSuchEntity, OrganizationNotFound
from iamd.operation import OperationContext, OperationTable, Output, Params

NO_ORGANIZATION = (
    "The request was rejected because no organization is associated with your account."
)


def no_organization(ctx: OperationContext, params: Params) -> Output:
    """The account is in no organization: there is nothing to enable, disable or list."""
    raise OrganizationNotFound(NO_ORGANIZATION)


def get_organizations_access_report(ctx: OperationContext, params: Params) -> Output:
    """No report can have been generated (GenerateOrganizationsAccessReport refuses)."""
    raise NoSuchEntity(f"No report found for job id {params['JobId']}.")


OPERATIONS: OperationTable = {
    "EnableOrganizationsRootCredentialsManagement": no_organization,
    "DisableOrganizationsRootCredentialsManagement": no_organization,
    "EnableOrganizationsRootSessions": no_organization,
    "DisableOrganizationsRootSessions": no_organization,
    "ListOrganizationsFeatures": no_organization,
    "GenerateOrganizationsAccessReport": no_organization,
    "GetOrganizationsAccessReport": get_organizations_access_report,
}
