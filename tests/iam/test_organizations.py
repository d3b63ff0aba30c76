"""IAM's Organizations features answer as AWS does for an account in no organization."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

NO_ORGANIZATION = (
    "OrganizationNotFoundException",
    "The request was rejected because no organization is associated with your account.",
    400,
)


@pytest.mark.parametrize(
    "operation",
    [
        "enable_organizations_root_credentials_management",
        "disable_organizations_root_credentials_management",
        "enable_organizations_root_sessions",
        "disable_organizations_root_sessions",
        "list_organizations_features",
    ],
)
def test_root_access_features_need_an_organization(iam: Any, operation: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        getattr(iam, operation)()
    assert error_of(excinfo) == NO_ORGANIZATION
    assert type(excinfo.value).__name__ == "OrganizationNotFoundException"


def test_access_report_needs_an_organization(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.generate_organizations_access_report(EntityPath="o-a1b2c3d4e5/r-ab12")
    assert error_of(excinfo) == NO_ORGANIZATION
    with pytest.raises(ClientError) as excinfo:
        iam.get_organizations_access_report(JobId="12345678-1234-1234-1234-123456789012")
    assert error_of(excinfo)[0::2] == ("NoSuchEntity", 404)


def test_an_iam_user_needs_permission_first(iam: Any, server: Any) -> None:
    iam.create_user(UserName="plain")
    key = iam.create_access_key(UserName="plain")["AccessKey"]
    client = server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:
        client.list_organizations_features()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("AccessDenied", 403)
    assert "iam:ListOrganizationsFeatures" in message
