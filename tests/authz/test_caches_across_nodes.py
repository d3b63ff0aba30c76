"""Per-process caches never outlive a write, whichever process made it.

Two `iamd serve` processes share one store. Node B warms its caches (the access key
and its user, the user's compiled policies, the entities it names); node A then
revokes, renames and detaches; B's very next request sees every change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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


def refused(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as failed:
        call(**params)
    return error_of(failed)[0]


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
    assert b_sts.get_caller_identity()["Arn"].endswith(":user/renamed")

    a.detach_user_policy(UserName="renamed", PolicyArn=READ_ONLY)
    assert refused(b_iam.list_users) == "AccessDenied"

    list_only = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [list_only]})
    a.put_user_policy(UserName="renamed", PolicyName="p", PolicyDocument=document)
    b_iam.list_users()

    a.update_access_key(UserName="renamed", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert refused(b_sts.get_caller_identity) == "InvalidClientTokenId"
