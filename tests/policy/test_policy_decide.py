"""The decision: kinds, deciding policy types, matched statements and reasons."""

from __future__ import annotations

import json
from typing import Any

from iamd.policy import Principal, RequestContext, compile_policy, decide, validate_policy
from iamd.policy.evaluate import Policy
from iamd.policy.validate import PolicyKind

ACCT = "111122223333"
ALICE = Principal.user(ACCT, "alice")
REQUEST = RequestContext(ALICE, "s3:GetObject", "arn:aws:s3:::bucket/key")


def policy(
    *statements: dict[str, Any], kind: PolicyKind = "inline", policy_id: str = "p"
) -> Policy:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    document = validate_policy(text, kind)
    return compile_policy(document, policy_id=policy_id, policy_type="IAM Policy")


def allow(action: str = "s3:*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*", **extra}


def deny(action: str = "s3:*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": "*", **extra}


def test_allowed_carries_the_matching_statements() -> None:
    decision = decide(REQUEST, identity=[policy(allow(Sid="A"), allow("iam:*"), policy_id="one")])
    assert decision.allowed and decision.kind == "allowed"
    assert decision.deciding_policy_type == "identity-based"
    (matched,) = decision.matched
    assert (matched.policy_id, matched.policy_type, matched.sid, matched.effect) == (
        "one",
        "IAM Policy",
        "A",
        "Allow",
    )
    assert matched.start == (4, 5) and matched.source == "identity-based"
    assert decision.reasons


def test_explicit_deny_lists_every_deny() -> None:
    decision = decide(
        REQUEST, identity=[policy(allow(), deny(Sid="D1")), policy(deny("s3:Get*", Sid="D2"))]
    )
    assert decision.kind == "explicitDeny" and not decision.allowed
    assert [m.sid for m in decision.matched] == ["D1", "D2"]
    assert len(decision.reasons) == 2


def test_implicit_deny_names_the_missing_layer() -> None:
    assert decide(REQUEST).deciding_policy_type == "identity-based"
    boundary = policy(allow("ec2:*"), kind="managed")
    assert (
        decide(REQUEST, identity=[policy(allow())], boundary=boundary).deciding_policy_type
        == "permissions boundary"
    )
    session_request = RequestContext(Principal.role_session(ACCT, "r", "s"), "s3:GetObject", "*")
    decision = decide(
        session_request,
        identity=[policy(allow())],
        session=[policy(allow("ec2:*"), kind="session")],
    )
    assert decision.deciding_policy_type == "session"
    cross = decide(REQUEST, identity=[policy(allow())], resource_account="444455556666")
    assert cross.deciding_policy_type == "resource-based" and cross.matched == ()


def test_deny_in_each_layer_is_attributed() -> None:
    boundary = policy(allow(), deny(), kind="managed")
    assert (
        decide(REQUEST, identity=[policy(allow())], boundary=boundary).deciding_policy_type
        == "permissions boundary"
    )
    resource = policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, kind="resource"
    )
    assert (
        decide(REQUEST, identity=[policy(allow())], resource=resource).deciding_policy_type
        == "resource-based"
    )


def test_erroneous_allow_grants_nothing_and_erroneous_deny_denies() -> None:
    broken = {"NumericEquals": {"k": "not-a-number"}}
    assert decide(REQUEST, identity=[policy(allow(Condition=broken))]).kind == "implicitDeny"
    assert (
        decide(REQUEST, identity=[policy(allow(), deny(Condition=broken))]).kind == "explicitDeny"
    )


def test_resource_match_records_how_the_principal_was_named() -> None:
    resource = policy(
        {"Effect": "Allow", "Principal": {"AWS": ALICE.arn}, "Action": "s3:*", "Resource": "*"},
        kind="resource",
    )
    decision = decide(REQUEST, resource=resource)
    assert decision.allowed and decision.deciding_policy_type == "resource-based"
    assert decision.matched[0].principal_match == "direct"


def test_boundary_may_be_a_sequence() -> None:
    boundaries = [policy(allow("ec2:*"), kind="managed"), policy(allow("s3:Get*"), kind="managed")]
    assert decide(REQUEST, identity=[policy(allow())], boundary=boundaries).allowed


def test_account_principal_delegates_to_identity_policies_in_the_same_account() -> None:
    resource = policy(
        {"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "s3:*", "Resource": "*"},
        kind="resource",
    )
    assert not decide(REQUEST, resource=resource).allowed
    assert decide(REQUEST, resource=resource, identity=[policy(allow())]).allowed


def test_not_principal_allow_is_delegated_and_excludes_any_named_identity() -> None:
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": ACCT},
        "Action": "s3:*",
        "Resource": "*",
    }
    resource = policy(statement, kind="resource")
    assert not decide(REQUEST, resource=resource, identity=[policy(allow("ec2:*"))]).allowed
    other = RequestContext(Principal.user("444455556666", "eve"), "s3:GetObject", "*")
    assert decide(
        other, resource=resource, identity=[policy(allow())], resource_account=ACCT
    ).allowed


def test_root_and_services() -> None:
    root = RequestContext(Principal.root(ACCT), "iam:DeleteUser", "*")
    assert decide(root).allowed
    service = RequestContext(Principal.service("ec2.amazonaws.com"), "sts:AssumeRole", "*")
    assert not decide(service, identity=[policy(allow("*"))]).allowed


def test_every_scope_layer_must_allow() -> None:
    """GetScopedCredentials: the layers intersect, and a Deny in one is explicit."""
    from iamd.policy import parse_policy

    def compiled(text: str, policy_id: str) -> Any:
        return compile_policy(parse_policy(text), policy_id=policy_id, policy_type="IAM Policy")

    def allow(action: str, effect: str = "Allow") -> str:
        statement = {"Effect": effect, "Action": action, "Resource": "*"}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    principal = Principal(
        arn="arn:aws:sts::111122223333:assumed-role/r/s",
        account_id="111122223333",
        kind="assumed-role",
        parent_arn="arn:aws:iam::111122223333:role/r",
    )
    request = RequestContext(principal, "s3:GetObject", "*", {})
    identity = (compiled(allow("s3:*"), "identity"),)
    assert decide(request, identity=identity).allowed
    wide, narrow = compiled(allow("s3:*"), "scope-1"), compiled(allow("s3:Get*"), "scope-2")
    assert decide(request, identity=identity, scopes=(wide, narrow)).allowed
    other = compiled(allow("s3:Put*"), "scope-3")
    denied = decide(request, identity=identity, scopes=(wide, other))
    assert (denied.allowed, denied.kind, denied.deciding_policy_type) == (
        False,
        "implicitDeny",
        "session",
    )
    deny = compiled(allow("s3:GetObject", "Deny"), "scope-4")
    assert decide(request, identity=identity, scopes=(wide, deny)).kind == "explicitDeny"
    assert not decide(request, identity=(), scopes=(wide,)).allowed  # scopes never grant
