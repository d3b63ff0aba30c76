"""S3 through ``iamd gateway``, driven by unmodified boto3: the same users, keys and
policies as the IAM API decide what reaches a real S3-compatible upstream."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import RootCredential


def new_bucket_name() -> str:
    return "iamd-" + secrets.token_hex(6)


def user_with_policy(iam: Any, name: str, policy_arn: str) -> tuple[str, str]:
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture
def root_s3(s3_client: Callable[..., Any], account: RootCredential) -> Any:
    return s3_client(account.access_key_id, account.secret_access_key)


@pytest.fixture
def bucket(root_s3: Any) -> str:
    name = new_bucket_name()
    root_s3.create_bucket(Bucket=name)
    return name


def test_the_root_user_creates_a_bucket_and_writes_to_it(
    root_s3: Any, upstream: Any, bucket: str
) -> None:
    root_s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello")
    assert upstream.get_object(Bucket=bucket, Key="hello.txt")["Body"].read() == b"hello"
    assert root_s3.get_object(Bucket=bucket, Key="hello.txt")["Body"].read() == b"hello"


def test_a_read_only_user_reads_and_is_refused_a_write(
    iam: Any, root_s3: Any, s3_client: Callable[..., Any], upstream: Any, bucket: str
) -> None:
    root_s3.put_object(Bucket=bucket, Key="a.txt", Body=b"data")
    reader = s3_client(
        *user_with_policy(iam, "reader", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    )
    assert reader.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"data"
    assert [o["Key"] for o in reader.list_objects_v2(Bucket=bucket)["Contents"]] == ["a.txt"]
    with pytest.raises(ClientError) as caught:
        reader.put_object(Bucket=bucket, Key="b.txt", Body=b"no")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert "s3:PutObject" in caught.value.response["Error"]["Message"]
    assert caught.value.response["ResponseMetadata"]["RequestId"]
    with pytest.raises(ClientError):
        upstream.head_object(Bucket=bucket, Key="b.txt")
