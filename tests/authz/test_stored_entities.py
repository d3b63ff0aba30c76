"""Authorization names the stored entity, never the caller's spelling of it.

IAM names are unique case-insensitively and the store finds entities that way, so a
policy must be matched against the entity's own ARN (its real name and path): a Deny
on ``user/BreakGlass`` holds for ``UserName=breakglass``, and an Allow on
``user/ops-*`` does not reach ``Ops-Admin``. Renames need the action on both ARNs,
and an operation whose resource is not in the request (GetAccessKeyLastUsed) is
decided on the resource it really touches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from iam.test_server_certificates import issue, upload
from server.test_enforcement import READ_ONLY, Account, allow, deny, policy
from support import error_of

ANYTHING = policy(allow("s3:GetObject"))


def trust(account_id: str) -> str:
    principal = {"AWS": f"arn:aws:iam::{account_id}:root"}
    return policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


@pytest.fixture
def acct(iam: Any, account: Any, make_client: Callable[..., Any]) -> Account:
    return Account(iam, account.account_id, make_client)


def denied(call: Callable[..., Any], **params: Any) -> str:
    """AWS's AccessDenied message for the call, which must be refused."""
    with pytest.raises(ClientError) as refused:
        call(**params)
    code, message, status = error_of(refused)
    assert (code, status) == ("AccessDenied", 403), message
    return message


def test_deny_on_a_user_holds_for_any_spelling_of_its_name(acct: Account) -> None:
    acct.iam.create_user(UserName="BreakGlass")
    guarded = acct.arn("user", "BreakGlass")
    ops = acct.user("ops", allow("iam:*"), deny("iam:*", guarded))
    for spelling in ("breakglass", "BREAKGLASS", "breakGlass"):
        denied(ops.create_access_key, UserName=spelling)
        denied(ops.create_login_profile, UserName=spelling, Password="Str0ng-Passw0rd!x")
        denied(ops.attach_user_policy, UserName=spelling, PolicyArn=READ_ONLY)
    assert acct.iam.list_access_keys(UserName="BreakGlass")["AccessKeyMetadata"] == []


def test_deny_on_a_group_and_a_role_holds_for_any_spelling(acct: Account) -> None:
    acct.iam.create_group(GroupName="Admins")
    acct.iam.create_role(RoleName="Prod", AssumeRolePolicyDocument=trust(acct.id))
    acct.iam.create_instance_profile(InstanceProfileName="Fleet")
    acct.iam.create_user(UserName="mallory")
    ops = acct.user(
        "ops",
        allow("iam:*"),
        deny("iam:*", [acct.arn("group", "Admins"), acct.arn("role", "Prod")]),
        deny("iam:*", acct.arn("instance-profile", "Fleet")),
    )
    denied(ops.add_user_to_group, GroupName="admins", UserName="mallory")
    denied(ops.update_assume_role_policy, RoleName="prod", PolicyDocument=trust("999988887777"))
    denied(ops.put_role_policy, RoleName="PROD", PolicyName="p", PolicyDocument=ANYTHING)
    denied(ops.delete_instance_profile, InstanceProfileName="fleet")
    assert acct.iam.get_group(GroupName="Admins")["Users"] == []


def test_allow_on_a_prefix_does_not_reach_a_namesake_in_another_case(acct: Account) -> None:
    acct.iam.create_user(UserName="Ops-Admin")
    acct.iam.create_user(UserName="ops-1")
    minter = acct.user("minter", allow("iam:CreateAccessKey", acct.arn("user", "ops-*")))
    minter.create_access_key(UserName="ops-1")
    message = denied(minter.create_access_key, UserName="ops-admin")
    assert message.startswith(f"User: {acct.arn('user', 'minter')} is not authorized")
    assert "on resource: user Ops-Admin" in message
    assert acct.iam.list_access_keys(UserName="Ops-Admin")["AccessKeyMetadata"] == []


def test_the_stored_path_is_the_one_policies_see(acct: Account) -> None:
    acct.iam.create_user(UserName="dev-1", Path="/team/")
    acct.iam.create_user(UserName="dev-2")
    lead = acct.user("lead", allow("iam:CreateAccessKey", acct.arn("user", "dev-*", "/team/")))
    lead.create_access_key(UserName="DEV-1")
    denied(lead.create_access_key, UserName="dev-2")


def test_renames_need_the_action_on_the_new_name_too(acct: Account) -> None:
    acct.iam.create_user(UserName="dev-2", Path="/team/")
    acct.iam.create_group(GroupName="dev-ops")
    lead = acct.user(
        "lead",
        allow(["iam:UpdateUser", "iam:GetUser"], acct.arn("user", "dev-*", "/team/")),
        allow("iam:UpdateGroup", acct.arn("group", "dev-*")),
    )
    denied(lead.update_user, UserName="dev-2", NewUserName="boss")
    denied(lead.update_user, UserName="dev-2", NewPath="/admins/")
    denied(lead.update_group, GroupName="dev-ops", NewGroupName="admins")
    lead.update_user(UserName="dev-2", NewUserName="dev-3")
    lead.update_group(GroupName="dev-ops", NewGroupName="dev-team")
    assert lead.get_user(UserName="dev-3")["User"]["Path"] == "/team/"


def test_renaming_a_server_certificate_needs_both_names(acct: Account) -> None:
    upload(acct.iam, "web-1", issue())
    lead = acct.user(
        "lead", allow("iam:UpdateServerCertificate", acct.arn("server-certificate", "web-*"))
    )
    denied(
        lead.update_server_certificate, ServerCertificateName="web-1", NewServerCertificateName="x"
    )
    lead.update_server_certificate(ServerCertificateName="WEB-1", NewServerCertificateName="web-2")


def test_a_key_is_looked_up_to_its_owner_before_authorization(acct: Account) -> None:
    acct.iam.create_user(UserName="victim")
    victim_key = acct.iam.create_access_key(UserName="victim")["AccessKey"]["AccessKeyId"]
    self_only = acct.arn("user", "${aws:username}")
    curious = acct.user("curious", allow("iam:GetAccessKeyLastUsed", self_only))
    message = denied(curious.get_access_key_last_used, AccessKeyId=victim_key)
    assert "on resource: user victim" in message
    own_key = acct.iam.list_access_keys(UserName="curious")["AccessKeyMetadata"][0]
    answer = curious.get_access_key_last_used(AccessKeyId=own_key["AccessKeyId"])
    assert answer["UserName"] == "curious"


def test_adding_a_role_to_an_instance_profile_needs_pass_role(acct: Account) -> None:
    acct.iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(acct.id))
    acct.iam.create_instance_profile(InstanceProfileName="app")
    builder = acct.user("builder", allow("iam:AddRoleToInstanceProfile"))
    message = denied(
        builder.add_role_to_instance_profile, InstanceProfileName="app", RoleName="app"
    )
    assert f"iam:PassRole on resource: {acct.arn('role', 'app')}" in message
    acct.iam.put_user_policy(
        UserName="builder",
        PolicyName="Pass",
        PolicyDocument=policy(allow("iam:PassRole", acct.arn("role", "app"))),
    )
    builder.add_role_to_instance_profile(InstanceProfileName="app", RoleName="APP")
    roles = acct.iam.get_instance_profile(InstanceProfileName="app")["InstanceProfile"]["Roles"]
    assert [role["RoleName"] for role in roles] == ["app"]


def test_creating_a_service_linked_role_is_decided_on_its_arn(acct: Account) -> None:
    linked = f"arn:aws:iam::{acct.id}:role/aws-service-role/*"
    ops = acct.user("ops", allow("iam:CreateServiceLinkedRole", linked))
    role = ops.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
    assert role["Arn"].startswith(f"arn:aws:iam::{acct.id}:role/aws-service-role/autoscaling.")
    narrow = acct.user(
        "narrow", allow("iam:CreateServiceLinkedRole", f"arn:aws:iam::{acct.id}:role/other/*")
    )
    message = denied(narrow.create_service_linked_role, AWSServiceName="ecs.amazonaws.com")
    assert "role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS" in message
