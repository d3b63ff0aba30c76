"""Principals and the request context."""

from __future__ import annotations

from iamd.policy.context import Principal, RequestContext


def test_user_principal() -> None:
    alice = Principal.user(
        "111122223333", "alice", path="/eng/", user_id="AIDA1", tags={"Team": "x"}
    )
    assert alice.arn == "arn:aws:iam::111122223333:user/eng/alice"
    assert not alice.is_session
    request = RequestContext(alice, "IAM:GetUser", "*")
    assert request.values("aws:username") == ("alice",)
    assert request.values("aws:userid") == ("AIDA1",)
    assert request.values("aws:principaltag/team") == ("x",)
    assert request.values("aws:principaltype") == ("User",)
    assert (request.action_lower, request.service) == ("iam:getuser", "iam")


def test_role_session_principal() -> None:
    session = Principal.role_session(
        "111122223333", "app", "job", role_path="/svc/", role_id="AROA1"
    )
    assert session.arn == "arn:aws:sts::111122223333:assumed-role/app/job"
    assert session.parent_arn == "arn:aws:iam::111122223333:role/svc/app"
    assert session.is_session
    request = RequestContext(session, "s3:GetObject", "*")
    assert request.values("aws:username") is None
    assert request.variable("aws:userid") == "AROA1:job"
    assert request.variable("aws:principalarn") == session.parent_arn
    assert request.variable("aws:principaltype") == "AssumedRole"


def test_other_principals() -> None:
    assert Principal.root("111122223333").arn == "arn:aws:iam::111122223333:root"
    federated = Principal.federated_user("111122223333", "bob")
    assert federated.arn == "arn:aws:sts::111122223333:federated-user/bob" and federated.is_session
    assert RequestContext(federated, "s3:x", "*").variable("aws:principalarn") == federated.arn
    assert Principal.service("ec2.amazonaws.com").kind == "service"
    anonymous = RequestContext(Principal.anonymous(), "s3:GetObject", "*")
    assert anonymous.variable("aws:principaltype") == "Anonymous"
    assert anonymous.values("aws:principalarn") is None


def test_context_keys_are_case_insensitive_and_override_derived_ones() -> None:
    alice = Principal.user("111122223333", "alice")
    request = RequestContext(
        alice, "s3:GetObject", "*", {"AWS:UserName": "mallory", "aws:TagKeys": ["a", "b"]}
    )
    assert request.values("aws:username") == ("mallory",)
    assert request.values("aws:tagkeys") == ("a", "b")
    assert request.variable("aws:tagkeys") is None  # multivalued keys are not variables


def test_action_without_service() -> None:
    request = RequestContext(Principal.anonymous(), "nothing", "*")
    assert request.service == ""


def test_derived_keys_are_computed_once_per_principal() -> None:
    alice = Principal.user("111122223333", "alice", tags={"Team": "web"})
    first = RequestContext(alice, "s3:GetObject", "*", {"aws:username": "mallory"})
    second = RequestContext(alice, "s3:GetObject", "*")
    assert first.keys["aws:username"] == ("mallory",)  # the caller's keys still override
    assert second.keys["aws:username"] == ("alice",)  # …without touching the remembered keys
    assert second.keys["aws:principaltag/team"] == ("web",)
    second.keys["extra"] = ("x",)
    assert "extra" not in RequestContext(alice, "s3:GetObject", "*").keys
    assert alice.derived_keys() is not alice.derived_keys()  # each caller gets a copy


def test_remembered_keys_do_not_change_equality_or_hash() -> None:
    used = Principal.user("111122223333", "alice")
    RequestContext(used, "s3:GetObject", "*")
    fresh = Principal.user("111122223333", "alice")
    assert used == fresh and hash(used) == hash(fresh) and repr(used) == repr(fresh)
