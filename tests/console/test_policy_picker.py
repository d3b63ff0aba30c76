"""The policy picker over HTTP: every managed policy page by page, filtered by type and
search; and the add-user wizard for a caller that may list groups but not policies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from console.http_client import Browser, signed_up_root, wizard_step
from iamd.store.catalog import aws_managed_policies
from support import IamdServer

NEW_GROUP = "/iam/groups/new"
NEW_USER = "/iam/users/new"


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def _shown(html: str) -> list[str]:
    return re.findall(r'name="shown_policy" value="([^"]+)"', html)


def test_the_picker_pages_through_every_policy(browser: Browser, root_iam: Any) -> None:
    _, _, html = browser.get(NEW_GROUP)
    total = len(aws_managed_policies())
    assert f"{total} policies match; 1–25 shown." in html
    seen: set[str] = set()
    page = 1
    while True:
        seen.update(_shown(html))
        if "Next policies" not in html:
            break
        page += 1
        status, _, html = wizard_step(browser, NEW_GROUP, html, {"policy_page": str(page)})
        assert status == 200
    assert len(seen) == total and page == -(-total // 25)


def test_the_picker_filters_by_type_and_search(browser: Browser, root_iam: Any) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    root_iam.create_policy(PolicyName="team-s3", PolicyDocument=json.dumps(document))
    _, _, html = browser.get(NEW_GROUP)
    _, _, html = wizard_step(browser, NEW_GROUP, html, {"policy_scope": "Local", "go": "search"})
    assert [arn.rsplit("/", 1)[1] for arn in _shown(html)] == ["team-s3"]
    fields = {"policy_scope": "AWS", "policy_q": "S3ReadOnly", "go": "search"}
    _status, _, html = wizard_step(browser, NEW_GROUP, html, fields)
    assert _shown(html)[0].endswith("/AmazonS3ReadOnlyAccess")
    assert all("team-s3" not in arn for arn in _shown(html))


def test_a_selection_survives_paging(browser: Browser, root_iam: Any) -> None:
    _, _, html = browser.get(NEW_GROUP)
    first = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert first in _shown(html)
    pairs = [
        ("policy_page", "2"),
        *[("shown_policy", arn) for arn in _shown(html)],
        ("policy", first),
    ]
    status, _, html = wizard_step(browser, NEW_GROUP, html, pairs)
    assert first not in _shown(html) and "Also selected:" in html
    pairs = [("group_name", "paged"), ("go", "create")]
    status, _, html = wizard_step(browser, NEW_GROUP, html, pairs)
    assert status == 303, html[html.find("<main") :]
    attached = root_iam.list_attached_group_policies(GroupName="paged")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [first]


def test_the_add_user_wizard_offers_only_what_the_caller_may_do(
    browser: Browser, root_iam: Any
) -> None:
    root_iam.create_group(GroupName="staff")
    allowed = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:ListGroups", "iam:CreateUser", "iam:AddUserToGroup", "iam:GetUser"],
                "Resource": "*",
            }
        ],
    }
    root_iam.create_user(UserName="hr")
    root_iam.put_user_policy(UserName="hr", PolicyName="p", PolicyDocument=json.dumps(allowed))
    root_iam.create_login_profile(UserName="hr", Password="Hr-Person-Pass-1!")
    account_id = root_iam.get_user(UserName="hr")["User"]["Arn"].split(":")[4]
    hr = Browser(browser.base)
    assert (
        hr.submit(f"/{account_id}/signin", {"user_name": "hr", "password": "Hr-Person-Pass-1!"})[0]
        == 303
    )
    status, _, html = hr.get(NEW_USER)
    assert status == 200
    assert 'id="console_access" disabled' in html and "iam:CreateLoginProfile" in html
    status, _, html = wizard_step(
        hr, NEW_USER, html, {"step": "details", "go": "next", "user_name": "newbie"}
    )
    assert status == 200 and "Policies cannot be listed with your permissions" in html
    assert 'value="attach" disabled' in html and 'value="group" checked' in html
    fields = {"step": "permissions", "go": "next", "permission_mode": "group", "group": "staff"}
    status, _, html = wizard_step(hr, NEW_USER, html, fields)
    assert status == 200 and "iam:TagUser" in html
    status, _, html = wizard_step(hr, NEW_USER, html, {"step": "tags", "go": "next"})
    status, _, html = wizard_step(hr, NEW_USER, html, {"step": "review", "go": "create"})
    assert status == 200 and "you created the user" in html
    groups = root_iam.list_groups_for_user(UserName="newbie")["Groups"]
    assert [group["GroupName"] for group in groups] == ["staff"]
