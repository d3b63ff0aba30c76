"""Inline policies of users, groups and roles through boto3 against a live server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::example_bucket",
    },
}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    }
)
KINDS = ("user", "group", "role")
QUOTAS = {"user": 2048, "group": 5120, "role": 10240}


def make(iam: Any, kind: str, name: str) -> None:
    if kind == "user":
        iam.create_user(UserName=name)
    elif kind == "group":
        iam.create_group(GroupName=name)
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)


def call(iam: Any, verb: str, kind: str, name: str, **params: Any) -> Any:
    """``call(iam, "put", "role", "r", …)`` → ``put_role_policy(RoleName="r", …)``."""
    method = f"list_{kind}_policies" if verb == "list" else f"{verb}_{kind}_policy"
    return getattr(iam, method)(**{f"{kind.capitalize()}Name": name}, **params)


def sized_document(size: int) -> str:
    """A valid policy of exactly ``size`` non-whitespace characters."""
    base = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:", "Resource": "*"},
    }
    padding = size - len(json.dumps(base, separators=(",", ":")))
    base["Statement"]["Action"] = "s3:" + "G" * padding  # type: ignore[index]
    return json.dumps(base, separators=(",", ":"))


@pytest.mark.parametrize("kind", KINDS)
def test_inline_policy_lifecycle(iam: Any, kind: str) -> None:
    make(iam, kind, "owner")
    assert call(iam, "list", kind, "owner")["PolicyNames"] == []
    call(iam, "put", kind, "owner", PolicyName="second", PolicyDocument=json.dumps(DOCUMENT))
    call(iam, "put", kind, "owner", PolicyName="first", PolicyDocument=json.dumps(DOCUMENT))
    got = call(iam, "get", kind, "owner", PolicyName="FIRST")
    assert got[f"{kind.capitalize()}Name"] == "owner"
    assert got["PolicyName"] == "first"
    assert got["PolicyDocument"] == DOCUMENT
    listed = call(iam, "list", kind, "owner")
    assert (listed["PolicyNames"], listed["IsTruncated"]) == (["first", "second"], False)

    replaced = {**DOCUMENT, "Statement": {**DOCUMENT["Statement"], "Effect": "Deny"}}  # type: ignore[dict-item]
    call(iam, "put", kind, "owner", PolicyName="first", PolicyDocument=json.dumps(replaced))
    assert call(iam, "get", kind, "owner", PolicyName="first")["PolicyDocument"] == replaced
    assert call(iam, "list", kind, "owner")["PolicyNames"] == ["first", "second"]

    call(iam, "delete", kind, "owner", PolicyName="first")
    for verb in ("get", "delete"):
        with pytest.raises(ClientError) as excinfo:
            call(iam, verb, kind, "owner", PolicyName="first")
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"The {kind} policy with name first cannot be found.",
            404,
        )
    assert call(iam, "list", kind, "owner")["PolicyNames"] == ["second"]


@pytest.mark.parametrize("kind", KINDS)
def test_missing_owner(iam: Any, kind: str) -> None:
    for verb, params in (
        ("put", {"PolicyName": "p", "PolicyDocument": json.dumps(DOCUMENT)}),
        ("get", {"PolicyName": "p"}),
        ("delete", {"PolicyName": "p"}),
        ("list", {}),
    ):
        with pytest.raises(ClientError) as excinfo:
            call(iam, verb, kind, "nonexistent", **params)
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"The {kind} with name nonexistent cannot be found.",
            404,
        )


def test_document_is_kept_as_sent(iam: Any) -> None:
    make(iam, "user", "alice")
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["apigatway:PUT"],'
        ' "Resource": ["arn:aws:apigateway:us-east-1::/tags/arn%3Aaws%3Aapigateway%3Aus-east-1'
        '%3A%3A%2Frestapis%2Faaeeieije"]}]}'
    )
    iam.put_user_policy(UserName="alice", PolicyName="encoded", PolicyDocument=text)
    got = iam.get_user_policy(UserName="alice", PolicyName="encoded")["PolicyDocument"]
    assert got == json.loads(text)


def test_malformed_document(iam: Any) -> None:
    make(iam, "role", "r")
    with pytest.raises(ClientError) as excinfo:
        iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument='{"Statement": []')
    assert error_of(excinfo)[0] == "MalformedPolicyDocument"


@pytest.mark.parametrize("kind", KINDS)
def test_aggregate_size_quota(iam: Any, kind: str) -> None:
    make(iam, kind, "owner")
    quota = QUOTAS[kind]
    half = sized_document(quota // 2)
    call(iam, "put", kind, "owner", PolicyName="a", PolicyDocument=half)
    call(iam, "put", kind, "owner", PolicyName="b", PolicyDocument=half)  # exactly the quota
    call(iam, "put", kind, "owner", PolicyName="b", PolicyDocument=half)  # a replacement fits
    with pytest.raises(ClientError) as excinfo:
        call(iam, "put", kind, "owner", PolicyName="c", PolicyDocument=sized_document(60))
    assert error_of(excinfo) == (
        "LimitExceeded",
        f"Maximum policy size of {quota} bytes exceeded for {kind} owner",
        409,
    )
    spaced = json.dumps(json.loads(half), indent=8)  # whitespace is not counted
    call(iam, "put", kind, "owner", PolicyName="b", PolicyDocument=spaced)


def test_list_policy_names_paginates(iam: Any) -> None:
    make(iam, "role", "r")
    small = json.dumps(DOCUMENT)
    for index in range(7):
        iam.put_role_policy(RoleName="r", PolicyName=f"p{index}", PolicyDocument=small)
    names: list[str] = []
    marker: dict[str, str] = {}
    while True:
        page = iam.list_role_policies(RoleName="r", MaxItems=3, **marker)
        names += page["PolicyNames"]
        if not page["IsTruncated"]:
            break
        marker = {"Marker": page["Marker"]}
    assert names == [f"p{i}" for i in range(7)]


@pytest.mark.parametrize("kind", ["user", "role"])
def test_delete_with_inline_policy_conflicts(iam: Any, kind: str) -> None:
    make(iam, kind, "owner")
    call(iam, "put", kind, "owner", PolicyName="p", PolicyDocument=json.dumps(DOCUMENT))
    name = {f"{kind.capitalize()}Name": "owner"}
    with pytest.raises(ClientError) as excinfo:
        getattr(iam, f"delete_{kind}")(**name)
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
        409,
    )
    call(iam, "delete", kind, "owner", PolicyName="p")
    getattr(iam, f"delete_{kind}")(**name)
