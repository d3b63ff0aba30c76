"""Deleting a group, a role and a customer managed policy in a browser: the page lists
what will be detached, a wrongly typed name deletes nothing, the right one deletes the
entity and every attachment and membership it had (checked through the API)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import expect

from console.conftest import Shots
from console.flows import open_section, signed_in_root
from support import IamdServer

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _confirm(
    page: Any, noun: str, name: str, button: str, shots: Shots, still_there: Callable[[], Any]
) -> None:
    """Type a wrong name (refused: `still_there` finds the entity), then the right one."""
    page.get_by_label(f"To confirm, type the {noun}").fill(name.upper())
    page.get_by_role("button", name=button).click()
    expect(page.get_by_text(f"The text you typed does not match {name}.")).to_be_visible()
    still_there()
    page.get_by_label(f"To confirm, type the {noun}").fill(name)
    shots.take(page, "confirm-delete")
    page.get_by_role("button", name=button).click()


def _effects(page: Any) -> list[str]:
    page.get_by_test_id("effects").wait_for()  # all_inner_texts() does not wait for it
    listed: list[str] = page.get_by_test_id("effects").get_by_role("listitem").all_inner_texts()
    return listed


def test_deleting_a_group_removes_its_members_and_policies(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    iam.create_group(GroupName="team")
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="team", UserName="member")
    iam.attach_group_policy(GroupName="team", PolicyArn=READ_ONLY)
    iam.put_group_policy(GroupName="team", PolicyName="extra", PolicyDocument=ALLOW_ALL)
    open_section(page, "Groups")
    page.get_by_role("link", name="team", exact=True).click()
    page.get_by_role("link", name="Delete group").click()
    assert _effects(page) == [
        "Remove user member from the group",
        "Detach policy IAMReadOnlyAccess",
        "Delete inline policy extra",
        "Delete the group team",
    ]
    _confirm(
        page, "group name", "team", "Delete group", shots, lambda: iam.get_group(GroupName="team")
    )
    page.get_by_text("Group team deleted.").wait_for()
    shots.take(page, "group-deleted")

    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_group(GroupName="team")
    assert iam.list_groups_for_user(UserName="member")["Groups"] == []
    assert iam.list_entities_for_policy(PolicyArn=READ_ONLY)["PolicyGroups"] == []


def test_deleting_a_role_removes_its_instance_profile_and_policies(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=EC2_TRUST)
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    iam.attach_role_policy(RoleName="web", PolicyArn=READ_ONLY)
    iam.put_role_policy(RoleName="web", PolicyName="inline-web", PolicyDocument=ALLOW_ALL)
    open_section(page, "Roles")
    page.get_by_role("link", name="web", exact=True).click()
    page.get_by_role("link", name="Delete role").click()
    effects = _effects(page)
    assert "Delete instance profile web" in effects
    assert "Detach policy IAMReadOnlyAccess" in effects
    assert "Delete inline policy inline-web" in effects
    assert effects[-1] == "Delete the role web"
    _confirm(page, "role name", "web", "Delete role", shots, lambda: iam.get_role(RoleName="web"))
    page.get_by_text("Role web deleted.").wait_for()
    shots.take(page, "role-deleted")

    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_role(RoleName="web")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_instance_profile(InstanceProfileName="web")
    assert iam.list_entities_for_policy(PolicyArn=READ_ONLY)["PolicyRoles"] == []


def test_deleting_a_customer_managed_policy_detaches_it_everywhere(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    arn = iam.create_policy(PolicyName="tooling", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    iam.create_user(UserName="u")
    iam.create_group(GroupName="g")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=EC2_TRUST)
    iam.attach_user_policy(UserName="u", PolicyArn=arn)
    iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    open_section(page, "Policies")
    page.get_by_label("Filter policies by name").fill("tooling")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="tooling", exact=True).click()
    page.get_by_role("link", name="Delete policy").click()
    assert _effects(page) == [
        "Detach from user u",
        "Detach from group g",
        "Detach from role r",
        "Delete the policy tooling",
    ]
    _confirm(
        page,
        "policy name",
        "tooling",
        "Delete policy",
        shots,
        lambda: iam.get_policy(PolicyArn=arn),
    )
    page.get_by_text("Policy tooling deleted.").wait_for()
    shots.take(page, "policy-deleted")

    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=arn)
    assert iam.list_attached_user_policies(UserName="u")["AttachedPolicies"] == []
    assert iam.list_attached_group_policies(GroupName="g")["AttachedPolicies"] == []
    assert iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"] == []
