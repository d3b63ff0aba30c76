"""Account properties (Namespace/PropertyName pairs) and the STS token version preference."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def test_properties_are_kept_per_account(iam: Any, server: Any) -> None:
    assert iam.get_account_properties()["Properties"] == {}
    iam.put_account_properties(Properties={"RoleManager/Enabled": "true", "RoleManager/Mode": "a"})
    iam.put_account_properties(Properties={"RoleManager/Mode": "b"})
    assert iam.get_account_properties()["Properties"] == {
        "RoleManager/Enabled": "true",
        "RoleManager/Mode": "b",
    }
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    assert other_iam.get_account_properties()["Properties"] == {}


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        ({"NoSlash": "x"}, "InvalidInput"),
        ({"/Leading": "x"}, "ValidationError"),  # the model's key pattern refuses it
        ({"Trailing/": "x"}, "InvalidInput"),
        ({"Too/Many/Slashes": "x"}, "InvalidInput"),
        ({"One/A": "x", "Two/B": "y"}, "InvalidInput"),
    ],
)
def test_property_keys_are_checked(iam: Any, properties: dict[str, str], code: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.put_account_properties(Properties=properties)
    assert error_of(excinfo)[0::2] == (code, 400)
    assert iam.get_account_properties()["Properties"] == {}


def test_global_endpoint_token_version(iam: Any) -> None:
    summary = lambda: iam.get_account_summary()["SummaryMap"]  # noqa: E731
    assert summary()["GlobalEndpointTokenVersion"] == 1
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert summary()["GlobalEndpointTokenVersion"] == 2
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert summary()["GlobalEndpointTokenVersion"] == 1
