"""GetFederationToken: federated users, their policy intersection and their limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def test_answer_shape_as_recorded(sts: Any, account: Any, as_session: Any) -> None:
    answer = sts.get_federation_token(Name="TestName1", DurationSeconds=900)
    assert answer["FederatedUser"] == {
        "Arn": f"arn:aws:sts::{account.account_id}:federated-user/TestName1",
        "FederatedUserId": f"{account.account_id}:TestName1",
    }
    assert answer["PackedPolicySize"] == 0
    identity = as_session("sts", answer).get_caller_identity()
    assert identity["Arn"] == answer["FederatedUser"]["Arn"]
    assert identity["UserId"] == f"{account.account_id}:TestName1"


def test_policy_too_long_as_recorded(sts: Any) -> None:
    statements = [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::my-example-bucket-with-long-name/folder-name-{i}/*",
        }
        for i in range(30)
    ]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    with pytest.raises(ClientError) as excinfo:
        sts.get_federation_token(Name="TestName2", Policy=policy)
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ValidationError", 400)
    assert message == (
        f"1 validation error detected: Value '{policy}' at 'policy' failed to satisfy "
        "constraint: Member must have length less than or equal to 2048"
    )


def test_permissions_are_the_intersection(
    server: Any, new_user: Any, allow_doc: Any, make_client: Any
) -> None:
    """Federated users call no IAM: their policies are checked in process, on the store."""
    grant = allow_doc(["sts:GetFederationToken", "iam:ListUsers", "iam:ListRoles"])
    alice = new_user("alice", policy=grant)
    sts = make_client("sts", alice.key_id, alice.secret)
    narrowed = sts.get_federation_token(
        Name="narrow", Policy=allow_doc(["iam:ListUsers", "iam:ListGroups"])
    )
    assert narrowed["PackedPolicySize"] > 0
    assert _allowed(server, narrowed) == {"iam:ListUsers"}
    assert _allowed(server, sts.get_federation_token(Name="no-policy")) == set()


def _allowed(server: Any, answer: dict[str, Any]) -> set[str]:
    """Which of three IAM actions the engine allows the federated user."""
    from datetime import UTC, datetime

    from iamd.auth.sessions import caller_of, open_token
    from iamd.authz.principal_policies import policies_for, principal_of
    from iamd.operation import OperationContext
    from iamd.policy import RequestContext, decide

    credentials = answer["Credentials"]
    db, sealer = server.open_store()
    try:
        claims = open_token(credentials["SessionToken"], credentials["AccessKeyId"], sealer)
        assert claims is not None
        caller = caller_of(claims, "aws")
        with db.transaction(write=False) as conn:
            ctx = OperationContext(conn, caller, datetime.now(UTC), sealer, "us-east-1", "r")
            policies = policies_for(ctx)
        principal = principal_of(caller, policies.tags)
        actions = {"iam:ListUsers", "iam:ListRoles", "iam:ListGroups"}
        return {
            action
            for action in actions
            if decide(
                RequestContext(principal, action, "*"),
                identity=policies.identity,
                boundary=policies.boundary,
                session=policies.session,
            ).allowed
        }
    finally:
        db.dispose()


def test_federated_users_call_no_iam_and_little_sts(
    sts: Any, allow_doc: Any, as_session: Any, account: Any
) -> None:
    answer = sts.get_federation_token(Name="boxed", Policy=allow_doc("*"))
    with pytest.raises(ClientError) as excinfo:
        as_session("iam", answer).list_users()
    assert error_of(excinfo) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
    federated = as_session("sts", answer)
    with pytest.raises(ClientError) as excinfo:
        federated.assume_role(
            RoleArn=f"arn:aws:iam::{account.account_id}:role/any", RoleSessionName="s1"
        )
    assert error_of(excinfo)[0] == "AccessDenied"
    with pytest.raises(ClientError) as excinfo:
        federated.get_federation_token(Name="again")
    assert error_of(excinfo)[1] == "Cannot call GetFederationToken with session credentials"


def test_needs_get_federation_token_permission(new_user: Any, make_client: Any) -> None:
    bob = new_user("bob")
    with pytest.raises(ClientError) as excinfo:
        make_client("sts", bob.key_id, bob.secret).get_federation_token(Name="fed")
    assert error_of(excinfo)[0] == "AccessDenied"


def test_tags_need_tag_session(new_user: Any, allow_doc: Any, make_client: Any) -> None:
    alice = new_user("alice", policy=allow_doc("sts:GetFederationToken"))
    sts = make_client("sts", alice.key_id, alice.secret)
    with pytest.raises(ClientError) as excinfo:
        sts.get_federation_token(Name="tagged", Tags=[{"Key": "k", "Value": "v"}])
    assert "sts:TagSession" in error_of(excinfo)[1]
