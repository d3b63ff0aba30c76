"""S3 through ``iamd gateway``, driven by unmodified boto3: the same users, keys and
policies as the IAM API decide what reaches a real S3-compatible upstream."""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from gateway_support import GatewayProcess, allow_policy, gateway_client, start_gateway
from support import IamdServer, RootCredential


@contextmanager
def freeze_signing_time(moment: datetime) -> Iterator[None]:
    """Sign as if at ``moment``: botocore reads the time through datetime.datetime.utcnow."""
    fake = mock.Mock(wraps=datetime)
    fake.utcnow.return_value = moment.replace(tzinfo=None)
    fake.now.return_value = moment
    with mock.patch("botocore.auth.datetime.datetime", fake):
        yield


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


def test_each_account_lists_only_its_own_buckets(
    root_s3: Any, bucket: str, server: IamdServer, s3_client: Callable[..., Any]
) -> None:
    other = server.new_account()
    other_s3 = s3_client(other.access_key_id, other.secret_access_key)
    theirs = new_bucket_name()
    other_s3.create_bucket(Bucket=theirs)
    mine = [b["Name"] for b in root_s3.list_buckets()["Buckets"]]
    assert mine == [bucket]
    assert [b["Name"] for b in other_s3.list_buckets()["Buckets"]] == [theirs]


def test_a_name_another_account_holds_cannot_be_taken_or_read(
    root_s3: Any, bucket: str, server: IamdServer, s3_client: Callable[..., Any]
) -> None:
    other = server.new_account()
    other_s3 = s3_client(other.access_key_id, other.secret_access_key)
    with pytest.raises(ClientError) as caught:
        other_s3.create_bucket(Bucket=bucket)
    assert caught.value.response["Error"]["Code"] == "BucketAlreadyExists"
    root_s3.put_object(Bucket=bucket, Key="secret", Body=b"s")
    with pytest.raises(ClientError) as caught:
        other_s3.get_object(Bucket=bucket, Key="secret")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_a_bucket_made_outside_the_gateway_belongs_to_no_account(
    root_s3: Any, upstream: Any
) -> None:
    name = new_bucket_name()
    upstream.create_bucket(Bucket=name)
    with pytest.raises(ClientError) as caught:
        root_s3.list_objects_v2(Bucket=name)
    assert caught.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError) as caught:
        root_s3.create_bucket(Bucket=name)
    assert caught.value.response["Error"]["Code"] == "BucketAlreadyExists"


def test_deleting_a_bucket_frees_its_name(
    root_s3: Any, bucket: str, server: IamdServer, s3_client: Callable[..., Any]
) -> None:
    root_s3.delete_bucket(Bucket=bucket)
    other = server.new_account()
    s3_client(other.access_key_id, other.secret_access_key).create_bucket(Bucket=bucket)


def test_presigned_urls_work_until_they_expire(root_s3: Any, bucket: str) -> None:
    root_s3.put_object(Bucket=bucket, Key="p.txt", Body=b"presigned")
    url = root_s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=60
    )
    with urllib.request.urlopen(url) as answer:
        assert answer.read() == b"presigned"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"))
    assert caught.value.code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in caught.value.read()
    put_url = root_s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60
    )
    # (moto's server reads a form-encoded body as a form: say what it is)
    headers = {"Content-Type": "application/octet-stream"}
    request = urllib.request.Request(put_url, data=b"uploaded", method="PUT", headers=headers)
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200
    assert root_s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"


def test_an_expired_presigned_url_is_refused(root_s3: Any, bucket: str) -> None:
    root_s3.put_object(Bucket=bucket, Key="p.txt", Body=b"x")
    signer = root_s3._request_signer
    with freeze_signing_time(datetime.now(UTC) - timedelta(seconds=120)):
        url = root_s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=60
        )
    assert signer is not None
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url)
    body = caught.value.read()
    assert caught.value.code == 403 and b"Request has expired" in body


def test_unsigned_payloads_are_accepted_as_signed(
    s3_client: Callable[..., Any], account: RootCredential, bucket: str, upstream: Any
) -> None:
    client = s3_client(
        account.access_key_id,
        account.secret_access_key,
        s3={"addressing_style": "path", "payload_signing_enabled": False},
    )
    client.put_object(Bucket=bucket, Key="u.txt", Body=b"unsigned payload")
    assert upstream.get_object(Bucket=bucket, Key="u.txt")["Body"].read() == b"unsigned payload"


def test_temporary_credentials_act_as_their_role(
    iam: Any, make_client: Callable[..., Any], account: RootCredential, root_s3: Any, bucket: str,
    s3_client: Callable[..., Any],
) -> None:  # fmt: skip
    root_s3.put_object(Bucket=bucket, Key="r.txt", Body=b"role")
    trust = allow_policy(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    iam.create_user(UserName="assumer")
    iam.put_user_policy(
        UserName="assumer",
        PolicyName="assume",
        PolicyDocument=allow_policy(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
        ),
    )
    key = iam.create_access_key(UserName="assumer")["AccessKey"]
    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    iam.create_role(RoleName="s3reader", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(
        RoleName="s3reader", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    role_arn = f"arn:aws:iam::{account.account_id}:role/s3reader"
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="sess")["Credentials"]
    session = s3_client(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    assert session.get_object(Bucket=bucket, Key="r.txt")["Body"].read() == b"role"
    url = session.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "r.txt"})
    assert "X-Amz-Security-Token=" in url
    with urllib.request.urlopen(url) as answer:
        assert answer.read() == b"role"
    with pytest.raises(ClientError) as caught:
        session.delete_object(Bucket=bucket, Key="r.txt")
    assert "assumed-role/s3reader/sess" in caught.value.response["Error"]["Message"]
    forged = s3_client(credentials["AccessKeyId"], credentials["SecretAccessKey"], "bogus")
    with pytest.raises(ClientError) as caught:
        forged.get_object(Bucket=bucket, Key="r.txt")
    assert caught.value.response["Error"]["Code"] == "InvalidToken"


def test_a_detached_policy_stops_the_next_request(
    iam: Any, root_s3: Any, bucket: str, s3_client: Callable[..., Any]
) -> None:
    root_s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    read_only = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    reader = s3_client(*user_with_policy(iam, "reader", read_only))
    reader.get_object(Bucket=bucket, Key="k")
    iam.detach_user_policy(UserName="reader", PolicyArn=read_only)
    with pytest.raises(ClientError) as caught:
        reader.get_object(Bucket=bucket, Key="k")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_wrong_keys_and_signatures_get_s3s_errors(
    s3_client: Callable[..., Any], account: RootCredential, bucket: str
) -> None:
    unknown = s3_client("AKIAUNKNOWNKEY000000", "secret")
    with pytest.raises(ClientError) as caught:
        unknown.list_objects_v2(Bucket=bucket)
    assert caught.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    wrong = s3_client(account.access_key_id, "not-the-secret")
    with pytest.raises(ClientError) as caught:
        wrong.list_objects_v2(Bucket=bucket)
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_anonymous_requests_need_a_bucket_policy(
    root_s3: Any, bucket: str, s3_gateway: GatewayProcess
) -> None:
    root_s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"public")
    url = f"{s3_gateway.endpoint}/{bucket}/public/a.txt"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url)
    assert caught.value.code == 403
    public = allow_policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/public/*",
        }
    )
    root_s3.put_bucket_policy(Bucket=bucket, Policy=public)
    with urllib.request.urlopen(url) as answer:
        assert answer.read() == b"public"


def inline_user(iam: Any, name: str, *statements: dict[str, Any]) -> tuple[str, str]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow_policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_s3_prefix_conditions_limit_listing(
    iam: Any, root_s3: Any, bucket: str, s3_client: Callable[..., Any]
) -> None:
    bob = s3_client(*inline_user(iam, "bob", {
        "Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
    }))  # fmt: skip
    root_s3.put_object(Bucket=bucket, Key="home/bob/notes.txt", Body=b"n")
    listed = bob.list_objects_v2(Bucket=bucket, Prefix="home/bob/")
    assert [o["Key"] for o in listed["Contents"]] == ["home/bob/notes.txt"]
    for prefix in ("home/alice/", ""):
        with pytest.raises(ClientError):
            bob.list_objects_v2(Bucket=bucket, Prefix=prefix)


def test_object_tag_conditions(
    iam: Any, root_s3: Any, bucket: str, s3_client: Callable[..., Any]
) -> None:
    tagged = s3_client(*inline_user(iam, "tagged", {
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/classification": "public"}},
    }, {
        "Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging"],
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"s3:RequestObjectTag/team": "blue"}},
    }))  # fmt: skip
    root_s3.put_object(Bucket=bucket, Key="open", Body=b"o", Tagging="classification=public")
    root_s3.put_object(Bucket=bucket, Key="closed", Body=b"c", Tagging="classification=secret")
    assert tagged.get_object(Bucket=bucket, Key="open")["Body"].read() == b"o"
    with pytest.raises(ClientError):
        tagged.get_object(Bucket=bucket, Key="closed")
    tagged.put_object(Bucket=bucket, Key="blue", Body=b"b", Tagging="team=blue")
    with pytest.raises(ClientError):
        tagged.put_object(Bucket=bucket, Key="red", Body=b"r", Tagging="team=red")
    with pytest.raises(ClientError):
        tagged.put_object(Bucket=bucket, Key="untagged", Body=b"u")


def test_a_copy_needs_read_on_its_source(
    iam: Any, root_s3: Any, bucket: str, s3_client: Callable[..., Any], upstream: Any
) -> None:
    other = new_bucket_name()
    root_s3.create_bucket(Bucket=other)
    root_s3.put_object(Bucket=other, Key="secret", Body=b"s")
    root_s3.put_object(Bucket=bucket, Key="mine", Body=b"m")
    copier = s3_client(*inline_user(iam, "copier", {
        "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }))  # fmt: skip
    copier.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "mine"})
    with pytest.raises(ClientError) as caught:
        copier.copy_object(
            Bucket=bucket, Key="stolen", CopySource={"Bucket": other, "Key": "secret"}
        )
    assert f"arn:aws:s3:::{other}/secret" in caught.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        upstream.head_object(Bucket=bucket, Key="stolen")


def test_deleting_many_objects_is_decided_object_by_object(
    iam: Any, root_s3: Any, bucket: str, s3_client: Callable[..., Any], upstream: Any
) -> None:
    for key in ("tmp/a", "tmp/b", "keep/c"):
        root_s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    cleaner = s3_client(*inline_user(iam, "cleaner", {
        "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/tmp/*",
    }))  # fmt: skip
    objects = [{"Key": "tmp/a"}, {"Key": "keep/c"}]
    result = cleaner.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    assert [d["Key"] for d in result["Deleted"]] == ["tmp/a"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("keep/c", "AccessDenied")]
    assert upstream.get_object(Bucket=bucket, Key="keep/c")["Body"].read() == b"x"
    refused = cleaner.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "keep/c"}]})
    assert "Deleted" not in refused and refused["Errors"][0]["Key"] == "keep/c"
    cleaner.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "tmp/b"}]})
    remaining = [o["Key"] for o in upstream.list_objects_v2(Bucket=bucket)["Contents"]]
    assert remaining == ["keep/c"]


def test_an_acl_on_upload_needs_put_object_acl(
    iam: Any, bucket: str, s3_client: Callable[..., Any]
) -> None:
    uploader = s3_client(*inline_user(iam, "uploader", {
        "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
    }))  # fmt: skip
    uploader.put_object(Bucket=bucket, Key="plain", Body=b"p")
    with pytest.raises(ClientError) as caught:
        uploader.put_object(Bucket=bucket, Key="public", Body=b"p", ACL="public-read")
    assert "s3:PutObjectAcl" in caught.value.response["Error"]["Message"]


def test_a_key_used_through_the_gateway_shows_s3_as_its_last_use(
    iam: Any, bucket: str, s3_client: Callable[..., Any]
) -> None:
    key_id, secret = user_with_policy(
        iam, "lister", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    s3_client(key_id, secret).list_objects_v2(Bucket=bucket)
    last_used = iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    assert last_used["ServiceName"] == "s3"


def test_a_role_session_used_through_the_gateway_is_the_roles_last_use(
    iam: Any, account: RootCredential, make_client: Callable[..., Any], s3_gateway: GatewayProcess
) -> None:
    trust = allow_policy(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="s3user", AssumeRolePolicyDocument=trust)["Role"]
    iam.attach_role_policy(
        RoleName="s3user", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    key_id, secret = user_with_policy(iam, "starter", "arn:aws:iam::aws:policy/AdministratorAccess")
    sts = make_client("sts", key_id, secret)
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="lister")["Credentials"]
    assert iam.get_role(RoleName="s3user")["Role"]["RoleLastUsed"]["Region"] == "us-east-1"
    session = gateway_client(
        s3_gateway,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
        region="eu-west-2",
    )
    session.list_buckets()
    assert iam.get_role(RoleName="s3user")["Role"]["RoleLastUsed"]["Region"] == "eu-west-2"


def test_a_revocation_applies_to_the_next_request_through_any_gateway(
    iam: Any, root_s3: Any, bucket: str, server: IamdServer, moto: Any,
    s3_client: Callable[..., Any], account: RootCredential,
) -> None:  # fmt: skip
    """Two gateways share the store: a change made through the IAM API binds both at once."""
    second = start_gateway(server, moto)
    try:
        root_s3.put_object(Bucket=bucket, Key="k", Body=b"v")
        key = user_with_policy(iam, "reader", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        first_client = s3_client(*key)
        second_client = gateway_client(second, *key)
        first_client.get_object(Bucket=bucket, Key="k")
        second_client.get_object(Bucket=bucket, Key="k")
        revoke = allow_policy({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"})
        iam.put_user_policy(UserName="reader", PolicyName="revoked", PolicyDocument=revoke)
        for client in (first_client, second_client):
            with pytest.raises(ClientError) as caught:
                client.get_object(Bucket=bucket, Key="k")
            assert caught.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        second.stop()


def _refused_get(client: Any, bucket: str, key: str) -> str:
    """The message of the AccessDenied a GetObject through the gateway gets."""
    with pytest.raises(ClientError) as caught:
        client.get_object(Bucket=bucket, Key=key)
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    return str(caught.value.response["Error"]["Message"])


def test_a_new_default_policy_version_applies_to_the_next_request(
    iam: Any, root_s3: Any, bucket: str, s3_client: Callable[..., Any]
) -> None:
    root_s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    reads = allow_policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    )
    arn = iam.create_policy(PolicyName="bucket-reads", PolicyDocument=reads)["Policy"]["Arn"]
    reader = s3_client(*user_with_policy(iam, "reader", arn))
    assert reader.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    lists_only = allow_policy(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}
    )
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=lists_only, SetAsDefault=True)
    assert "no identity-based policy allows" in _refused_get(reader, bucket, "k")
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert reader.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_a_permissions_boundary_applies_to_the_next_request(
    iam: Any, root_s3: Any, bucket: str, s3_client: Callable[..., Any]
) -> None:
    root_s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    writer = s3_client(
        *user_with_policy(iam, "writer", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    )
    writer.get_object(Bucket=bucket, Key="k")
    lists_only = allow_policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"})
    boundary = iam.create_policy(PolicyName="lists-only", PolicyDocument=lists_only)["Policy"]
    iam.put_user_permissions_boundary(UserName="writer", PermissionsBoundary=boundary["Arn"])
    assert "permissions boundary" in _refused_get(writer, bucket, "k")
    writer.list_objects_v2(Bucket=bucket)  # what the boundary allows still passes
    iam.delete_user_permissions_boundary(UserName="writer")
    assert writer.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_revoking_a_roles_older_sessions_applies_to_the_next_request(
    iam: Any, make_client: Callable[..., Any], account: RootCredential, root_s3: Any,
    bucket: str, s3_client: Callable[..., Any],
) -> None:  # fmt: skip
    """AWS's "Revoke active sessions": a Deny of sessions issued before a moment
    (``aws:TokenIssueTime``) stops them at once; a session issued after passes."""
    root_s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    trust = allow_policy(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="revocable", AssumeRolePolicyDocument=trust)["Role"]
    iam.attach_role_policy(
        RoleName="revocable", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    sts = make_client(
        "sts", *user_with_policy(iam, "starter", "arn:aws:iam::aws:policy/AdministratorAccess")
    )

    def session() -> Any:
        credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="reader")["Credentials"]
        return s3_client(
            credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
        )

    old = session()
    old.get_object(Bucket=bucket, Key="k")
    cutoff = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    revoke = allow_policy(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
        }
    )
    iam.put_role_policy(
        RoleName="revocable", PolicyName="AWSRevokeOlderSessions", PolicyDocument=revoke
    )
    assert "explicit deny in an identity-based policy" in _refused_get(old, bucket, "k")
    while datetime.now(UTC) < datetime.strptime(cutoff, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC):
        time.sleep(0.05)
    assert session().get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert "explicit deny" in _refused_get(old, bucket, "k")
