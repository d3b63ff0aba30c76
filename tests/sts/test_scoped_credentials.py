"""GetScopedCredentials: the same principal, narrowed by each scope-down layer, never longer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def policy(*actions: str) -> str:
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def code_of(call: Any) -> str:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)[0]


@pytest.fixture
def role_session(
    iam: Any, new_user: Any, new_role: Any, trust_doc: Any, make_client: Any
) -> dict[str, Any]:
    caller = new_user("caller", policy=policy("sts:AssumeRole"))
    role = new_role(
        "worker",
        trust_doc({"AWS": caller.arn}),
        policy=policy("iam:ListRoles", "iam:ListUsers", "iam:GetUser", "sts:GetScopedCredentials"),
    )
    sts = make_client("sts", caller.key_id, caller.secret)
    answer: dict[str, Any] = sts.assume_role(
        RoleArn=role["Arn"], RoleSessionName="job", DurationSeconds=1800
    )
    return answer


def test_scope_narrows_and_layers_intersect(role_session: Any, as_session: Any) -> None:
    session_sts = as_session("sts", role_session)
    first = session_sts.get_scoped_credentials(
        Policy=policy("iam:ListRoles", "iam:ListUsers", "sts:GetScopedCredentials")
    )
    assert first["ScopedPoliciesCount"] == 1
    assert first["SessionInfo"]["Arn"] == role_session["AssumedRoleUser"]["Arn"]
    assert first["Credentials"]["Expiration"] == role_session["Credentials"]["Expiration"]
    scoped_iam = as_session("iam", first)
    scoped_iam.list_roles()
    scoped_iam.list_users()
    assert code_of(lambda: scoped_iam.get_user(UserName="caller")) == "AccessDenied"
    identity = as_session("sts", first).get_caller_identity()
    assert identity["Arn"] == role_session["AssumedRoleUser"]["Arn"]
    second = as_session("sts", first).get_scoped_credentials(
        Policy=policy("iam:ListUsers", "iam:GetUser", "sts:GetScopedCredentials")
    )
    assert second["ScopedPoliciesCount"] == 2
    twice = as_session("iam", second)
    twice.list_users()  # allowed by the role, the first layer and the second
    assert code_of(twice.list_roles) == "AccessDenied"  # the second layer leaves it out
    assert code_of(lambda: twice.get_user(UserName="caller")) == "AccessDenied"  # the first


def test_scope_cannot_grant_more(role_session: Any, as_session: Any) -> None:
    wide = as_session("sts", role_session).get_scoped_credentials(Policy=policy("*"))
    assert code_of(as_session("iam", wide).list_groups) == "AccessDenied"


def test_duration_only_shortens(role_session: Any, as_session: Any) -> None:
    session_sts = as_session("sts", role_session)
    short = session_sts.get_scoped_credentials(DurationSeconds=60)
    assert short["ScopedPoliciesCount"] == 0
    assert short["Credentials"]["Expiration"] < role_session["Credentials"]["Expiration"]
    long = lambda: session_sts.get_scoped_credentials(DurationSeconds=7200)  # noqa: E731
    assert code_of(long) == "InsufficientSessionLifetime"
    assert code_of(session_sts.get_scoped_credentials) == "ValidationError"


def test_at_most_three_layers(role_session: Any, as_session: Any) -> None:
    answer = role_session
    for _ in range(3):
        answer = as_session("sts", answer).get_scoped_credentials(
            Policy=policy("sts:GetScopedCredentials", "iam:ListRoles")
        )
    assert answer["ScopedPoliciesCount"] == 3
    fourth = lambda: as_session("sts", answer).get_scoped_credentials(  # noqa: E731
        Policy=policy("iam:ListRoles")
    )
    assert code_of(fourth) == "PackedPolicyTooLarge"


def test_only_temporary_credentials(sts: Any) -> None:
    call = lambda: sts.get_scoped_credentials(DurationSeconds=60)  # noqa: E731
    assert code_of(call) == "InvalidSubjectCredentials"


def test_scoped_root_session_is_limited_too(sts: Any, as_session: Any) -> None:
    """The root user's own session is unlimited, but not once it is scoped down."""
    root_session = sts.get_session_token(DurationSeconds=900)
    scoped = as_session("sts", root_session).get_scoped_credentials(
        Policy=policy("sts:GetCallerIdentity")
    )
    assert as_session("sts", scoped).get_caller_identity()["Arn"].endswith(":root")


def test_malformed_scope_policy(role_session: Any, as_session: Any) -> None:
    call = lambda: as_session("sts", role_session).get_scoped_credentials(Policy="{")  # noqa: E731
    assert code_of(call) == "MalformedPolicyDocument"
