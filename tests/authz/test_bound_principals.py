"""A trust policy names the principal that existed when it was saved, not a namesake.

AWS binds an IAM user or role in a trust policy to its unique id: a policy may only
name principals that exist, and once the principal is deleted the policy shows its
unique id where the ARN was, so a new user of the same name is not trusted.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from authz.test_stored_entities import denied
from server.test_enforcement import Account, allow, policy
from support import error_of


@pytest.fixture
def acct(iam: Any, account: Any, make_client: Callable[..., Any]) -> Account:
    return Account(iam, account.account_id, make_client)


def trusting(*arns: str) -> str:
    principal = {"AWS": list(arns) if len(arns) > 1 else arns[0]}
    return policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def root(acct: Account) -> str:
    return f"arn:aws:iam::{acct.id}:root"


def sts_of(acct: Account, name: str) -> Any:
    acct.iam.create_user(UserName=name)
    acct.iam.put_user_policy(
        UserName=name, PolicyName="p", PolicyDocument=policy(allow("sts:AssumeRole"))
    )
    key = acct.iam.create_access_key(UserName=name)["AccessKey"]
    return acct.make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])


def trust_of(acct: Account, role: str) -> Any:
    document = acct.iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    return document["Statement"][0]["Principal"]["AWS"]


def test_a_namesake_created_after_deletion_is_not_trusted(acct: Account) -> None:
    alice = acct.arn("user", "c-alice")
    sts = sts_of(acct, "c-alice")
    unique_id = acct.iam.get_user(UserName="c-alice")["User"]["UserId"]
    role = acct.iam.create_role(RoleName="r", AssumeRolePolicyDocument=trusting(alice))["Role"]
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="first")

    acct.iam.delete_user_policy(UserName="c-alice", PolicyName="p")
    for key in acct.iam.list_access_keys(UserName="c-alice")["AccessKeyMetadata"]:
        acct.iam.delete_access_key(UserName="c-alice", AccessKeyId=key["AccessKeyId"])
    acct.iam.delete_user(UserName="c-alice")
    assert trust_of(acct, "r") == unique_id

    namesake = sts_of(acct, "c-alice")
    denied(namesake.assume_role, RoleArn=role["Arn"], RoleSessionName="second")


def test_only_the_deleted_principal_is_replaced(acct: Account) -> None:
    acct.iam.create_user(UserName="gone")
    acct.iam.create_user(UserName="stays", Path="/team/")
    gone_id = acct.iam.get_user(UserName="gone")["User"]["UserId"]
    stays = acct.arn("user", "stays", "/team/")
    document = trusting(acct.arn("user", "gone"), stays)
    acct.iam.create_role(RoleName="r", AssumeRolePolicyDocument=document)
    acct.iam.delete_user(UserName="gone")
    assert trust_of(acct, "r") == [gone_id, stays]


def test_a_deleted_role_is_replaced_by_its_unique_id(acct: Account) -> None:
    acct.iam.create_role(RoleName="source", AssumeRolePolicyDocument=trusting(root(acct)))
    source = acct.iam.get_role(RoleName="source")["Role"]
    acct.iam.create_role(RoleName="target", AssumeRolePolicyDocument=trusting(source["Arn"]))
    acct.iam.delete_role(RoleName="source")
    assert trust_of(acct, "target") == source["RoleId"]


@pytest.mark.parametrize(
    "arn", ["user/nobody", "role/nobody", "user/wrong-path/someone"], ids=lambda a: a
)
def test_a_trust_policy_may_only_name_principals_that_exist(acct: Account, arn: str) -> None:
    acct.iam.create_user(UserName="someone")
    missing = f"arn:aws:iam::{acct.id}:{arn}"
    with pytest.raises(ClientError) as refused:
        acct.iam.create_role(RoleName="r", AssumeRolePolicyDocument=trusting(missing))
    code, message, status = error_of(refused)
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert message == f'Invalid principal in policy: "AWS":"{missing}"'
    acct.iam.create_role(RoleName="r", AssumeRolePolicyDocument=trusting(root(acct)))
    with pytest.raises(ClientError) as refused:
        acct.iam.update_assume_role_policy(RoleName="r", PolicyDocument=trusting(missing))
    assert error_of(refused)[0] == "MalformedPolicyDocument"
