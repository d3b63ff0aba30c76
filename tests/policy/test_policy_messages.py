"""AccessDenied messages in AWS's words."""

from __future__ import annotations

import json
from typing import Any

from iamd.policy import (
    Principal,
    RequestContext,
    access_denied_message,
    compile_policy,
    decide,
    parse_policy,
)

ACCT = "123456789012"
USER = "User: arn:aws:iam::123456789012:user/alice is not authorized to perform:"
SESSION = "User: arn:aws:sts::123456789012:assumed-role/app/job is not authorized to perform:"
ALICE = Principal.user(ACCT, "alice")


def policy(*statements: dict[str, Any]) -> Any:
    return compile_policy(
        parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)})),
        policy_id="p",
    )


def message(request: RequestContext, **policies: Any) -> str:
    return access_denied_message(decide(request, **policies))


def test_no_identity_policy_allows() -> None:
    request = RequestContext(ALICE, "iam:ListUsers", f"arn:aws:iam::{ACCT}:user/")
    assert message(request) == (
        f"{USER} iam:ListUsers on resource: arn:aws:iam::123456789012:user/ "
        "because no identity-based policy allows the iam:ListUsers action"
    )


def test_explicit_deny_in_identity_policy() -> None:
    request = RequestContext(ALICE, "iam:ListUsers", f"arn:aws:iam::{ACCT}:user/")
    denied = policy({"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
    assert message(request, identity=[denied]).endswith(
        "with an explicit deny in an identity-based policy"
    )


def test_boundary_session_and_resource_tails() -> None:
    session = Principal.role_session(ACCT, "app", "job")
    request = RequestContext(session, "s3:GetObject", "arn:aws:s3:::b/k")
    everything = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    nothing = policy({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    text = message(request, identity=[everything], boundary=nothing)
    assert text == (
        f"{SESSION} s3:GetObject on resource: arn:aws:s3:::b/k "
        "because no permissions boundary allows the s3:GetObject action"
    )
    assert message(request, identity=[everything], session=[nothing]).endswith(
        "because no session policy allows the s3:GetObject action"
    )
    resource_deny = policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})
    assert message(request, identity=[everything], resource=resource_deny).endswith(
        "with an explicit deny in a resource-based policy"
    )
    assert message(
        request,
        identity=[everything],
        boundary=[everything, policy({"Effect": "Deny", "Action": "*", "Resource": "*"})],
    ).endswith("with an explicit deny in a permissions boundary")
    cross = message(request, identity=[everything], resource_account="999999999999")
    assert cross.endswith("because no resource-based policy allows the s3:GetObject action")


def test_actions_without_resources_omit_the_resource() -> None:
    request = RequestContext(ALICE, "codecommit:ListRepositories", "*")
    assert message(request) == (
        f"{USER} codecommit:ListRepositories "
        "because no identity-based policy allows the codecommit:ListRepositories action"
    )


def test_anonymous_caller() -> None:
    request = RequestContext(Principal.anonymous(), "s3:GetObject", "arn:aws:s3:::b/k")
    assert message(request).startswith("User: anonymous is not authorized to perform: s3:GetObject")
