"""Per-process caches never outlive a write, whichever process made it.

Two `iamd serve` processes share one store. Node B warms its caches (the access key
and its user, the user's compiled policies, the entities it names); node A then
revokes, renames and detaches. On SQLite B's very next request sees every change; on
PostgreSQL B hears of it by notification, within the bound `iamd.store.version_mirror`
documents (100 ms; a second is allowed here, for a machine loaded by other tests).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import IamdServer, RootCredential, error_of

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


@pytest.fixture
def node_b(server: IamdServer) -> Iterator[IamdServer]:
    other = IamdServer(server.data_dir, server.database_url).start()
    yield other
    other.stop()


# Seconds node B may take to honour node A's write on PostgreSQL (see the docstring).
BOUND = 1.0


def refused(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as failed:
        call(**params)
    return error_of(failed)[0]


def outcome(call: Callable[[], Any]) -> str:
    """ "ok", or the code of the error the call was answered with."""
    try:
        call()
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return "ok"


def settles(node: IamdServer, call: Callable[[], Any], expected: str = "ok") -> None:
    """Node B answers ``call`` with ``expected`` ("ok" or an error code)."""
    settles_on(node, lambda: outcome(call), expected)


def settles_on(node: IamdServer, observe: Callable[[], object], expected: object) -> None:
    """What ``observe`` sees of node B is ``expected``: at once on SQLite, within `BOUND`
    on PostgreSQL, and from then on."""
    deadline = time.monotonic() + (BOUND if node.database_url else 0.0)
    seen = observe()
    while seen != expected and time.monotonic() < deadline:
        time.sleep(0.005)
        seen = observe()
    assert seen == expected
    assert observe() == expected


def test_a_write_on_one_node_is_seen_by_the_next_request_on_another(
    server: IamdServer, node_b: IamdServer, account: RootCredential
) -> None:
    a = server.client("iam", account.access_key_id, account.secret_access_key)
    a.create_user(UserName="worker")
    a.attach_user_policy(UserName="worker", PolicyArn=READ_ONLY)
    key = a.create_access_key(UserName="worker")["AccessKey"]
    secret = (key["AccessKeyId"], key["SecretAccessKey"])
    b_iam = node_b.client("iam", *secret)
    b_sts = node_b.client("sts", *secret)
    assert b_iam.get_user()["User"]["UserName"] == "worker"

    a.update_user(UserName="worker", NewUserName="renamed")
    settles_on(node_b, lambda: b_sts.get_caller_identity()["Arn"].split(":")[-1], "user/renamed")

    a.detach_user_policy(UserName="renamed", PolicyArn=READ_ONLY)
    settles(node_b, b_iam.list_users, "AccessDenied")

    list_only = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [list_only]})
    a.put_user_policy(UserName="renamed", PolicyName="p", PolicyDocument=document)
    settles(node_b, b_iam.list_users)

    a.update_access_key(UserName="renamed", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    settles(node_b, b_sts.get_caller_identity, "InvalidClientTokenId")


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_shared_and_per_principal_writes_both_reach_the_other_node(
    server: IamdServer, node_b: IamdServer, account: RootCredential
) -> None:
    """A user's own version moves with its groups and tags; the account's with shared policy."""
    a = server.client("iam", account.access_key_id, account.secret_access_key)
    a.create_user(UserName="member")
    key = a.create_access_key(UserName="member")["AccessKey"]
    b_iam = node_b.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert refused(b_iam.list_users) == "AccessDenied"  # warms B's caches: no policies

    a.create_group(GroupName="readers")
    a.add_user_to_group(GroupName="readers", UserName="member")  # the user's own version
    settles(node_b, b_iam.list_users, "AccessDenied")
    a.put_group_policy(  # the account's version: shared by every member
        GroupName="readers",
        PolicyName="list",
        PolicyDocument=_document({"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}),
    )
    settles(node_b, b_iam.list_users)

    tagged_only = {
        "Effect": "Allow",
        "Action": "iam:ListRoles",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    }
    policy_arn = a.create_policy(PolicyName="tagged", PolicyDocument=_document(tagged_only))[
        "Policy"
    ]["Arn"]
    a.attach_group_policy(GroupName="readers", PolicyArn=policy_arn)
    settles(node_b, b_iam.list_roles, "AccessDenied")
    a.tag_user(UserName="member", Tags=[{"Key": "team", "Value": "blue"}])
    settles(node_b, b_iam.list_roles)
    a.tag_user(UserName="member", Tags=[{"Key": "team", "Value": "red"}])
    settles(node_b, b_iam.list_roles, "AccessDenied")

    a.tag_user(UserName="member", Tags=[{"Key": "team", "Value": "blue"}])
    settles(node_b, b_iam.list_roles)
    a.create_policy_version(  # a new default version of a shared managed policy
        PolicyArn=policy_arn,
        PolicyDocument=_document({**tagged_only, "Action": "iam:ListGroups"}),
        SetAsDefault=True,
    )
    settles(node_b, b_iam.list_roles, "AccessDenied")

    a.remove_user_from_group(GroupName="readers", UserName="member")
    settles(node_b, b_iam.list_users, "AccessDenied")


def test_a_role_sessions_policies_follow_its_role_on_the_other_node(
    server: IamdServer, node_b: IamdServer, account: RootCredential
) -> None:
    a = server.client("iam", account.access_key_id, account.secret_access_key)
    trust = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account.account_id}:root"},
        "Action": "sts:AssumeRole",
    }
    a.create_role(RoleName="worker", AssumeRolePolicyDocument=_document(trust))
    a.create_user(UserName="caller")
    assume = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    a.put_user_policy(UserName="caller", PolicyName="assume", PolicyDocument=_document(assume))
    key = a.create_access_key(UserName="caller")["AccessKey"]
    caller_sts = node_b.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    role_arn = f"arn:aws:iam::{account.account_id}:role/worker"
    credentials = caller_sts.assume_role(RoleArn=role_arn, RoleSessionName="worker-session")[
        "Credentials"
    ]
    b_iam = node_b.client(
        "iam",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    assert refused(b_iam.list_users) == "AccessDenied"
    allow = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}
    a.put_role_policy(RoleName="worker", PolicyName="p", PolicyDocument=_document(allow))
    settles(node_b, b_iam.list_users)
    a.delete_role_policy(RoleName="worker", PolicyName="p")
    settles(node_b, b_iam.list_users, "AccessDenied")
