"""Every decision the data plane makes is the one the IAM policy simulator gives.

A seeded corpus of identity policies (actions, resources and conditions on the keys the
gateway supplies) is given to users; each user's requests go through the gateway, and
SimulatePrincipalPolicy is asked about the same actions, resources and context keys.
The two must agree on every case.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway_support import allow_policy
from support import IamdServer, RootCredential

CASES = 24
ACTIONS = [
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:*",
    "s3:Get*",
    "s3:List*",
]
CONDITIONS = [
    None,
    {"StringLike": {"s3:prefix": "docs/*"}},
    {"NumericLessThanEquals": {"s3:max-keys": "100"}},
    {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"s3:x-amz-acl": "private"}},
    {"StringNotEquals": {"s3:x-amz-acl": "public-read"}},
]


@dataclass
class Request:
    """One request through the gateway, and what the simulator is asked about it."""

    name: str
    call: Callable[[Any, str], Any]
    checks: list[tuple[str, str]]  # (action, resource template with {bucket})
    context: dict[str, str] = field(default_factory=dict)


REQUESTS = [
    Request("list docs", lambda c, b: c.list_objects_v2(Bucket=b, Prefix="docs/", MaxKeys=50),
            [("s3:ListBucket", "arn:aws:s3:::{bucket}")],
            {"s3:prefix": "docs/", "s3:max-keys": "50"}),
    Request("list all", lambda c, b: c.list_objects_v2(Bucket=b, MaxKeys=500),
            [("s3:ListBucket", "arn:aws:s3:::{bucket}")], {"s3:max-keys": "500"}),
    Request("get docs", lambda c, b: c.get_object(Bucket=b, Key="docs/a.txt"),
            [("s3:GetObject", "arn:aws:s3:::{bucket}/docs/a.txt")]),
    Request("get top", lambda c, b: c.get_object(Bucket=b, Key="top.txt"),
            [("s3:GetObject", "arn:aws:s3:::{bucket}/top.txt")]),
    Request("put", lambda c, b: c.put_object(Bucket=b, Key="docs/new.txt", Body=b"n"),
            [("s3:PutObject", "arn:aws:s3:::{bucket}/docs/new.txt")]),
    Request("put private",
            lambda c, b: c.put_object(Bucket=b, Key="docs/p.txt", Body=b"p", ACL="private"),
            [("s3:PutObject", "arn:aws:s3:::{bucket}/docs/p.txt"),
             ("s3:PutObjectAcl", "arn:aws:s3:::{bucket}/docs/p.txt")], {"s3:x-amz-acl": "private"}),
]  # fmt: skip
# What every request through the test gateway carries.
NETWORK = {"aws:SourceIp": "127.0.0.1", "aws:SecureTransport": "false"}


def random_policy(rng: random.Random, bucket: str) -> str:
    resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*",
                 f"arn:aws:s3:::{bucket}/docs/*", "*"]  # fmt: skip
    statements = []
    for _ in range(rng.randint(1, 3)):
        statement: dict[str, Any] = {
            "Effect": "Deny" if rng.random() < 0.2 else "Allow",
            "Action": rng.sample(ACTIONS, rng.randint(1, 2)),
            "Resource": rng.sample(resources, rng.randint(1, 2)),
        }
        condition = rng.choice(CONDITIONS)
        if condition is not None:
            statement["Condition"] = condition
        statements.append(statement)
    return allow_policy(*statements)


def through_gateway(client: Any, bucket: str, request: Request) -> bool:
    try:
        request.call(client, bucket)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied", error.response
        return False
    return True


def simulated(
    iam: Any,
    user_arn: str,
    bucket: str,
    request: Request,
    *,
    resource_policy: str | None = None,
    owner: str | None = None,
) -> bool:
    context = {**NETWORK, **request.context}
    entries = [{"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}
               for key, value in context.items()]  # fmt: skip
    for action, resource in request.checks:
        extra = {"ResourcePolicy": resource_policy, "ResourceOwner": owner} if owner else {}
        result = iam.simulate_principal_policy(
            PolicySourceArn=user_arn,
            ActionNames=[action],
            ResourceArns=[resource.format(bucket=bucket)],
            ContextEntries=entries,
            **extra,
        )["EvaluationResults"][0]
        if result["EvalDecision"] != "allowed":
            return False
    return True


@pytest.mark.parametrize("seed", range(CASES))
def test_the_gateway_decides_as_the_simulator(
    seed: int, iam: Any, account: RootCredential, s3_client: Callable[..., Any]
) -> None:
    rng = random.Random(seed)
    root = s3_client(account.access_key_id, account.secret_access_key)
    bucket = "iamd-" + secrets.token_hex(6)
    root.create_bucket(Bucket=bucket)
    for key in ("docs/a.txt", "top.txt"):
        root.put_object(Bucket=bucket, Key=key, Body=b"x")
    iam.create_user(UserName="subject")
    policy = random_policy(rng, bucket)
    iam.put_user_policy(UserName="subject", PolicyName="corpus", PolicyDocument=policy)
    key = iam.create_access_key(UserName="subject")["AccessKey"]
    client = s3_client(key["AccessKeyId"], key["SecretAccessKey"])
    user_arn = f"arn:aws:iam::{account.account_id}:user/subject"
    for request in REQUESTS:
        expected = simulated(iam, user_arn, bucket, request)
        assert through_gateway(client, bucket, request) == expected, (request.name, policy)


def random_bucket_policy(
    rng: random.Random, bucket: str, caller_account: str, user_arn: str
) -> str:
    principals: list[Any] = [
        "*",
        {"AWS": caller_account},
        {"AWS": user_arn},
        {"AWS": f"arn:aws:iam::{caller_account}:root"},
    ]
    statements = []
    for _ in range(rng.randint(1, 2)):
        statement: dict[str, Any] = {
            "Effect": "Deny" if rng.random() < 0.2 else "Allow",
            "Principal": rng.choice(principals),
            "Action": rng.sample(ACTIONS, rng.randint(1, 2)),
            "Resource": rng.sample([f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*",
                                    f"arn:aws:s3:::{bucket}/docs/*"], rng.randint(1, 2)),
        }  # fmt: skip
        condition = rng.choice(CONDITIONS)
        if condition is not None:
            statement["Condition"] = condition
        statements.append(statement)
    return allow_policy(*statements)


@pytest.mark.parametrize("seed", range(100, 100 + CASES // 2))
def test_across_accounts_the_gateway_decides_as_the_simulator(
    seed: int, server: IamdServer, make_client: Callable[..., Any], s3_client: Callable[..., Any]
) -> None:
    rng = random.Random(seed)
    owner, visitor = server.new_account(), server.new_account()
    root = s3_client(owner.access_key_id, owner.secret_access_key)
    bucket = "iamd-" + secrets.token_hex(6)
    root.create_bucket(Bucket=bucket)
    for key in ("docs/a.txt", "top.txt"):
        root.put_object(Bucket=bucket, Key=key, Body=b"x")
    iam = make_client("iam", visitor.access_key_id, visitor.secret_access_key)
    iam.create_user(UserName="visitor")
    user_arn = f"arn:aws:iam::{visitor.account_id}:user/visitor"
    iam.put_user_policy(
        UserName="visitor", PolicyName="corpus", PolicyDocument=random_policy(rng, bucket)
    )
    bucket_policy = random_bucket_policy(rng, bucket, visitor.account_id, user_arn)
    root.put_bucket_policy(Bucket=bucket, Policy=bucket_policy)
    key = iam.create_access_key(UserName="visitor")["AccessKey"]
    client = s3_client(key["AccessKeyId"], key["SecretAccessKey"])
    for request in REQUESTS:
        expected = simulated(
            iam, user_arn, bucket, request, resource_policy=bucket_policy, owner=owner.account_id
        )
        assert through_gateway(client, bucket, request) == expected, (request.name, bucket_policy)
