"""Access keys through boto3: the secret once, two per user, status, last use."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def test_access_key_lifecycle(iam: Any) -> None:
    iam.create_user(UserName="alice")
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active"
    assert key["UserName"] == "alice"
    listed = iam.list_access_keys(UserName="alice")
    assert listed["IsTruncated"] is False
    assert listed["AccessKeyMetadata"] == [
        {
            "UserName": "alice",
            "AccessKeyId": key["AccessKeyId"],
            "Status": "Active",
            "CreateDate": key["CreateDate"],
        }
    ]
    iam.delete_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"])
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []


def test_at_most_two_keys(iam: Any) -> None:
    iam.create_user(UserName="bob")
    iam.create_access_key(UserName="bob")
    iam.create_access_key(UserName="bob")
    with pytest.raises(ClientError) as excinfo:
        iam.create_access_key(UserName="bob")
    assert error_of(excinfo) == (
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
        409,
    )


def test_inactive_key_is_refused_and_reactivated(iam: Any, make_client: Any) -> None:
    iam.create_user(UserName="carol")
    key = iam.create_access_key(UserName="carol")["AccessKey"]
    as_carol = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert as_carol.get_caller_identity()["Arn"].endswith(":user/carol")
    iam.update_access_key(UserName="carol", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    status = iam.list_access_keys(UserName="carol")["AccessKeyMetadata"][0]["Status"]
    assert status == "Inactive"
    with pytest.raises(ClientError) as excinfo:
        as_carol.get_caller_identity()
    assert error_of(excinfo) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
    iam.update_access_key(UserName="carol", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert as_carol.get_caller_identity()["Arn"].endswith(":user/carol")


def test_key_errors(iam: Any) -> None:
    iam.create_user(UserName="dave")
    with pytest.raises(ClientError) as excinfo:
        iam.create_access_key(UserName="nonexistent-user")
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "The user with name nonexistent-user cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.update_access_key(
            UserName="dave", AccessKeyId="AKIAIOSFODNN7EXAMPLE", Status="Inactive"
        )
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.update_access_key(UserName="dave", AccessKeyId="AKIAIOSFODNN7EXAMPLE", Status="On")
    assert error_of(excinfo)[0] == "ValidationError"


def test_key_of_another_user_is_not_found(iam: Any) -> None:
    iam.create_user(UserName="erin")
    iam.create_user(UserName="frank")
    key = iam.create_access_key(UserName="erin")["AccessKey"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_access_key(UserName="frank", AccessKeyId=key["AccessKeyId"])
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_last_used(iam: Any, make_client: Any) -> None:
    iam.create_user(UserName="gina")
    key = iam.create_access_key(UserName="gina")["AccessKey"]
    unused = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert unused["UserName"] == "gina"
    assert unused["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    make_client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert used["ServiceName"] == "sts"
    assert used["Region"] == "us-east-1"
    assert "LastUsedDate" in used


def test_last_used_of_unknown_key_is_denied(iam: Any, account: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_access_key_last_used(AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert error_of(excinfo) == (
        "AccessDenied",
        f"User: arn:aws:iam::{account.account_id}:root is not authorized to perform "
        "iam:GetAccessKeyLastUsed on resource: access key AKIAIOSFODNN7EXAMPLE",
        403,
    )


def test_root_access_keys(iam: Any, account: Any) -> None:
    listed = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [account.access_key_id]
    second = iam.create_access_key()["AccessKey"]
    with pytest.raises(ClientError) as excinfo:
        iam.create_access_key()
    assert error_of(excinfo)[0] == "LimitExceeded"
    iam.delete_access_key(AccessKeyId=second["AccessKeyId"])


def test_deleted_key_stops_working(iam: Any, make_client: Any) -> None:
    iam.create_user(UserName="hank")
    key = iam.create_access_key(UserName="hank")["AccessKey"]
    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    sts.get_caller_identity()
    iam.delete_access_key(UserName="hank", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as excinfo:
        sts.get_caller_identity()
    assert error_of(excinfo)[0] == "InvalidClientTokenId"
