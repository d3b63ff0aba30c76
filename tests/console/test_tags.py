"""Tags edited from the console over HTTP: users, roles, policies and providers; what
changes is untagged and tagged as the signed-in principal, all or nothing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from console.http_client import Browser, signed_up_root, wizard_step
from support import IamdServer

ALLOW = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
TRUST = json.dumps(
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


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def _save(
    browser: Browser, path: str, rows: list[tuple[str, str]]
) -> tuple[int, dict[str, str], str]:
    status, _, html = browser.get(path)
    assert status == 200, html
    pairs = [("go", "save")]
    for key, value in rows:
        pairs += [("tag_key", key), ("tag_value", value)]
    return wizard_step(browser, path, html, pairs)


def _tags(listed: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in listed["Tags"]}


def test_every_kind_of_entity_edits_its_tags(browser: Browser, root_iam: Any) -> None:
    root_iam.create_user(
        UserName="tagged", Tags=[{"Key": "old", "Value": "1"}, {"Key": "keep", "Value": "k"}]
    )
    root_iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=TRUST)
    arn = root_iam.create_policy(PolicyName="tagged", PolicyDocument=ALLOW)["Policy"]["Arn"]
    oidc = root_iam.create_open_id_connect_provider(
        Url="https://issuer.example.com", ClientIDList=["app"], ThumbprintList=["b" * 40]
    )["OpenIDConnectProviderArn"]
    status, _, html = browser.get("/iam/users/tagged/tags")
    assert 'value="old"' in html and 'value="keep"' in html
    rows = [("keep", "k2"), ("new", "n")]
    status, headers, _ = _save(browser, "/iam/users/tagged/tags", rows)
    assert status == 303 and "notice=tags-saved" in headers["location"]
    assert _tags(root_iam.list_user_tags(UserName="tagged")) == {"keep": "k2", "new": "n"}
    for path in (
        "/iam/roles/tagged/tags",
        "/iam/policies/tags?arn=" + quote(arn, safe=""),
        "/iam/providers/tags?arn=" + quote(oidc, safe=""),
    ):
        assert _save(browser, path, [("team", "blue")])[0] == 303, path
    assert _tags(root_iam.list_role_tags(RoleName="tagged")) == {"team": "blue"}
    assert _tags(root_iam.list_policy_tags(PolicyArn=arn)) == {"team": "blue"}
    listed = root_iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=oidc)
    assert _tags(listed) == {"team": "blue"}


def test_bad_tags_are_named_before_any_call(browser: Browser, root_iam: Any) -> None:
    root_iam.create_user(UserName="t")
    status, _, html = _save(browser, "/iam/users/t/tags", [("a", "1"), ("A", "2")])
    assert status == 400 and "Tag keys must be unique" in html
    status, _, html = _save(browser, "/iam/users/t/tags", [("k" * 129, "1")])
    assert status == 400 and "Tag keys can have up to 128 characters" in html
    assert root_iam.list_user_tags(UserName="t")["Tags"] == []


def test_a_denied_untag_changes_nothing(browser: Browser, root_iam: Any) -> None:
    root_iam.create_user(UserName="t", Tags=[{"Key": "owner", "Value": "ops"}])
    root_iam.create_user(UserName="tagger")
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:UntagUser", "Resource": "*"},
        ],
    }
    root_iam.put_user_policy(UserName="tagger", PolicyName="p", PolicyDocument=json.dumps(deny))
    root_iam.create_login_profile(UserName="tagger", Password="Tagger-Pass-123!")
    account_id = root_iam.get_user(UserName="tagger")["User"]["Arn"].split(":")[4]
    tagger = Browser(browser.base)
    assert (
        tagger.submit(
            f"/{account_id}/signin", {"user_name": "tagger", "password": "Tagger-Pass-123!"}
        )[0]
        == 303
    )
    status, _, html = _save(tagger, "/iam/users/t/tags", [("new", "x")])
    assert status == 403 and "iam:UntagUser" in html
    assert _tags(root_iam.list_user_tags(UserName="t")) == {"owner": "ops"}
