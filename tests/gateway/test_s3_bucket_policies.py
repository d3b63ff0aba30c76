"""Bucket policies: stored in iamd by the gateway and decided as resource-based policies,
within an account and across accounts, as S3 decides them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway_support import allow_policy
from iamd.store import accounts
from support import IamdServer, RootCredential

READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


@pytest.fixture
def root_s3(s3_client: Callable[..., Any], account: RootCredential) -> Any:
    return s3_client(account.access_key_id, account.secret_access_key)


@pytest.fixture
def bucket(root_s3: Any) -> str:
    name = "iamd-" + secrets.token_hex(6)
    root_s3.create_bucket(Bucket=name)
    root_s3.put_object(Bucket=name, Key="shared/report.csv", Body=b"a,b")
    return name


def make_user(server: IamdServer, make_client: Callable[..., Any], name: str, *policies: str):  # type: ignore[no-untyped-def]
    """A user in a new account, with these managed policies attached."""
    other = server.new_account()
    iam = make_client("iam", other.access_key_id, other.secret_access_key)
    iam.create_user(UserName=name)
    for policy in policies:
        iam.attach_user_policy(UserName=name, PolicyArn=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    arn = f"arn:aws:iam::{other.account_id}:user/{name}"
    return arn, (key["AccessKeyId"], key["SecretAccessKey"]), iam


def test_put_get_and_delete_a_bucket_policy(root_s3: Any, bucket: str) -> None:
    policy = allow_policy(
        {"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/shared/*"}
    )  # fmt: skip
    with pytest.raises(ClientError) as caught:
        root_s3.get_bucket_policy(Bucket=bucket)
    assert error_code(caught) == "NoSuchBucketPolicy"
    root_s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert json.loads(root_s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(policy)
    root_s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError):
        root_s3.get_bucket_policy(Bucket=bucket)


@pytest.mark.parametrize(
    "statement,message",
    [
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::someone-elses-bucket/*"}, "Policy has invalid resource"),
        ({"Effect": "Allow", "Principal": "*", "Action": "iam:CreateUser",
          "Resource": "arn:aws:s3:::BUCKET/*"}, "Policy has invalid action"),
        ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/nobody-here"},
          "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKET/*"},
         "Invalid principal in policy"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKET/*"}, None),
    ],
)  # fmt: skip
def test_malformed_policies_are_refused(
    root_s3: Any, bucket: str, statement: dict[str, Any], message: str | None
) -> None:
    text = allow_policy(statement).replace("BUCKET", bucket)
    with pytest.raises(ClientError) as caught:
        root_s3.put_bucket_policy(Bucket=bucket, Policy=text)
    assert error_code(caught) == "MalformedPolicy"
    if message:
        assert caught.value.response["Error"]["Message"] == message


def test_another_account_needs_the_bucket_policy_and_its_own(
    root_s3: Any, bucket: str, server: IamdServer, make_client: Callable[..., Any],
    s3_client: Callable[..., Any],
) -> None:  # fmt: skip
    arn, key, _ = make_user(server, make_client, "analyst", READ_ONLY)
    analyst = s3_client(*key)
    with pytest.raises(ClientError) as caught:
        analyst.get_object(Bucket=bucket, Key="shared/report.csv")
    assert error_code(caught) == "AccessDenied"
    grant = {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": ["s3:GetObject"],
             "Resource": f"arn:aws:s3:::{bucket}/shared/*"}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=bucket, Policy=allow_policy(grant))
    assert analyst.get_object(Bucket=bucket, Key="shared/report.csv")["Body"].read() == b"a,b"
    with pytest.raises(ClientError):  # the policy grants only shared/*
        root_s3.put_object(Bucket=bucket, Key="private", Body=b"p")
        analyst.get_object(Bucket=bucket, Key="private")
    _, bare_key, _ = make_user(server, make_client, "nopolicies")
    with pytest.raises(ClientError):  # granted by name only to the analyst
        s3_client(*bare_key).get_object(Bucket=bucket, Key="shared/report.csv")


def test_a_bucket_policy_granting_an_account_delegates_to_its_own_policies(
    root_s3: Any, bucket: str, server: IamdServer, make_client: Callable[..., Any],
    s3_client: Callable[..., Any],
) -> None:  # fmt: skip
    arn, key, iam = make_user(server, make_client, "member")
    other_account = arn.split(":")[4]
    grant = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other_account}:root"},
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=bucket, Policy=allow_policy(grant))
    member = s3_client(*key)
    with pytest.raises(ClientError):  # its own account has not delegated
        member.get_object(Bucket=bucket, Key="shared/report.csv")
    iam.attach_user_policy(UserName="member", PolicyArn=READ_ONLY)
    assert member.get_object(Bucket=bucket, Key="shared/report.csv")["Body"].read() == b"a,b"


def test_an_explicit_deny_in_the_bucket_policy_beats_an_identity_allow(
    root_s3: Any, bucket: str, iam: Any, s3_client: Callable[..., Any], account: RootCredential
) -> None:
    iam.create_user(UserName="admin")
    iam.attach_user_policy(
        UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    admin = s3_client(key["AccessKeyId"], key["SecretAccessKey"])
    admin.get_object(Bucket=bucket, Key="shared/report.csv")
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/shared/*"}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=bucket, Policy=allow_policy(deny))
    with pytest.raises(ClientError) as caught:
        admin.get_object(Bucket=bucket, Key="shared/report.csv")
    assert "explicit deny in a resource-based policy" in caught.value.response["Error"]["Message"]


def test_only_the_owning_account_manages_the_policy_and_its_root_always_may(
    root_s3: Any, bucket: str, server: IamdServer, s3_client: Callable[..., Any]
) -> None:
    lockout = {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
               "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=bucket, Policy=allow_policy(lockout))
    root_s3.delete_bucket_policy(Bucket=bucket)  # the owner's root is never locked out
    everything = {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                  "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=bucket, Policy=allow_policy(everything))
    other = server.new_account()
    with pytest.raises(ClientError) as caught:
        s3_client(other.access_key_id, other.secret_access_key).delete_bucket_policy(Bucket=bucket)
    assert error_code(caught) == "MethodNotAllowed"


def test_a_policy_change_bumps_the_owners_authz_version(
    root_s3: Any, bucket: str, server: IamdServer, account: RootCredential
) -> None:
    db, _ = server.open_store()
    try:
        with db.transaction() as conn:
            before = accounts.authz_version(conn, account.account_id)
        grant = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*"}  # fmt: skip
        root_s3.put_bucket_policy(Bucket=bucket, Policy=allow_policy(grant))
        with db.transaction() as conn:
            assert accounts.authz_version(conn, account.account_id) > before
    finally:
        db.dispose()


def test_a_deleted_user_named_in_a_bucket_policy_is_not_its_namesake(
    root_s3: Any, bucket: str, iam: Any, s3_client: Callable[..., Any], account: RootCredential
) -> None:
    iam.create_user(UserName="partner")
    arn = f"arn:aws:iam::{account.account_id}:user/partner"
    grant = {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/*"}  # fmt: skip
    root_s3.put_bucket_policy(Bucket=bucket, Policy=allow_policy(grant))
    iam.delete_user(UserName="partner")
    stored = root_s3.get_bucket_policy(Bucket=bucket)["Policy"]
    assert arn not in stored and "AIDA" in stored
    iam.create_user(UserName="partner")
    key = iam.create_access_key(UserName="partner")["AccessKey"]
    with pytest.raises(ClientError):
        s3_client(key["AccessKeyId"], key["SecretAccessKey"]).get_object(
            Bucket=bucket, Key="shared/report.csv"
        )
