"""Principal and NotPrincipal matching."""

from __future__ import annotations

from iamd.policy import Principal
from iamd.policy.document import PrincipalSpec
from iamd.policy.principals import compile_principal

ACCT = "111122223333"
ALICE = Principal.user(ACCT, "alice")


def test_principal_matcher_kinds() -> None:
    matcher = compile_principal(
        PrincipalSpec(
            False,
            (
                (
                    "AWS",
                    (
                        "arn:aws:iam::111122223333:user/alice",
                        "arn:aws:iam::111122223333:role/app",
                        "444455556666",
                    ),
                ),
                ("Service", ("ec2.amazonaws.com",)),
                ("Federated", ("accounts.google.com",)),
            ),
        )
    )
    assert matcher.match(ALICE) == "direct"
    assert matcher.match(Principal.role_session(ACCT, "app", "s")) == "role"
    assert matcher.match(Principal.user("444455556666", "x")) == "account"
    assert matcher.match(Principal.user(ACCT, "bob")) is None
    assert matcher.match(Principal.service("ec2.amazonaws.com")) == "service"
    assert matcher.match(Principal("accounts.google.com", "", "federated")) == "federated"
    assert matcher.match(Principal.anonymous()) is None
    fed = Principal.federated_user(ACCT, "f", parent_arn="arn:aws:iam::111122223333:user/alice")
    assert matcher.match(fed) == "parent"
    root = compile_principal(PrincipalSpec(False, (("AWS", ("arn:aws:iam::111122223333:root",)),)))
    assert root.match(Principal.role_session(ACCT, "app", "s")) == "account"
    assert root.match(Principal.root(ACCT)) == "account"


def test_wildcards_name_everyone() -> None:
    for spec in (PrincipalSpec(True), PrincipalSpec(False, (("AWS", ("*",)),))):
        matcher = compile_principal(spec)
        assert matcher.match(Principal.anonymous()) == "wildcard"
        assert matcher.match(ALICE) == "wildcard"


def test_principal_arns_are_exact_and_case_sensitive() -> None:
    matcher = compile_principal(
        PrincipalSpec(False, (("AWS", ("arn:aws:iam::111122223333:user/*",)),))
    )
    assert matcher.match(ALICE) is None
    upper = compile_principal(
        PrincipalSpec(False, (("AWS", ("arn:aws:iam::111122223333:user/Alice",)),))
    )
    assert upper.match(ALICE) is None


def test_not_principal_identity_chain() -> None:
    session = Principal.role_session(ACCT, "app", "s1")
    full = compile_principal(
        PrincipalSpec(False, (("AWS", (session.arn, "arn:aws:iam::111122223333:role/app", ACCT)),))
    )
    assert full.names_every_identity_of(session)
    partial = compile_principal(PrincipalSpec(False, (("AWS", (session.arn,)),)))
    assert not partial.names_every_identity_of(session)
    assert partial.names_any_identity_of(session)
    assert compile_principal(PrincipalSpec(False, (("AWS", (ACCT,)),))).names_every_identity_of(
        Principal.root(ACCT)
    )
