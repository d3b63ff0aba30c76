"""GetCallerIdentity and GetAccessKeyInfo for root and IAM users."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def test_root_identity(sts: Any, account: Any) -> None:
    identity = sts.get_caller_identity()
    assert identity["Account"] == account.account_id
    assert identity["UserId"] == account.account_id
    assert identity["Arn"] == f"arn:aws:iam::{account.account_id}:root"


def test_user_identity_needs_no_policy(iam: Any, make_client: Any, account: Any) -> None:
    user = iam.create_user(UserName="alice", Path="/eng/")["User"]
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    identity = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert identity == {
        "UserId": user["UserId"],
        "Account": account.account_id,
        "Arn": f"arn:aws:iam::{account.account_id}:user/eng/alice",
        "ResponseMetadata": identity["ResponseMetadata"],
    }


def test_access_key_info(sts: Any, iam: Any, account: Any) -> None:
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    assert sts.get_access_key_info(AccessKeyId=key["AccessKeyId"])["Account"] == account.account_id


def test_wrong_secret_is_refused(make_client: Any, account: Any) -> None:
    wrong = make_client("sts", account.access_key_id, "x" * 40)
    with pytest.raises(ClientError) as excinfo:
        wrong.get_caller_identity()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message.startswith("The request signature we calculated does not match")


def test_unknown_key_is_refused(make_client: Any) -> None:
    stranger = make_client("sts", "AKIAIOSFODNN7EXAMPLE", "x" * 40)
    with pytest.raises(ClientError) as excinfo:
        stranger.get_caller_identity()
    assert error_of(excinfo) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )


def test_partition_follows_the_region(server: Any, account: Any) -> None:
    import boto3

    china = boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name="cn-north-1",
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
    )
    assert china.get_caller_identity()["Arn"] == f"arn:aws-cn:iam::{account.account_id}:root"
