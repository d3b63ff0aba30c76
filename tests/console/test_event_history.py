"""Event history and the "Last accessed" tab, over HTTP and in Chromium: what an API
call leaves on the trail shows in the console, with the statement that allowed it."""

from __future__ import annotations

import html as markup
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from console.conftest import PASSWORD, Shots
from console.flows import open_section, sign_in_root, sign_up
from console.http_client import Browser, signed_up_root
from support import IamdServer

PATIENCE = 10.0  # reads reach the trail in batches (every 0.2 s)
USER_PASSWORD = "Operator-Pass-123!"
EVENT_LINK = re.compile(r'href="/console(/iam/event-history/[0-9a-f-]{36})"')


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def _operator(server: IamdServer, root_iam: Any) -> Any:
    """An IAM user allowed to delete roles by a statement with a Sid, with a key."""
    root_iam.create_user(UserName="operator")
    grant = {"Sid": "RoleCleanup", "Effect": "Allow", "Action": "iam:DeleteRole", "Resource": "*"}
    root_iam.put_user_policy(
        UserName="operator", PolicyName="cleanup", PolicyDocument=_document(grant)
    )
    key = root_iam.create_access_key(UserName="operator")["AccessKey"]
    return server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def _eventually(browser: Browser, path: str, holds: Callable[[str], bool]) -> str:
    """The page once ``holds`` is true of it (events arrive in batches)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        status, _, html = browser.get(path)
        assert status == 200, html
        if holds(html) or time.monotonic() > deadline:
            assert holds(html), html
            return html


def test_a_user_s_call_shows_with_its_user_and_the_statement_that_allowed_it(
    browser: Browser, server: IamdServer, root_iam: Any
) -> None:
    operator = _operator(server, root_iam)
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    trust["Action"] = "sts:AssumeRole"
    root_iam.create_role(RoleName="doomed", AssumeRolePolicyDocument=_document(trust))
    operator.delete_role(RoleName="doomed")

    path = "/iam/event-history?attribute=EventName&value=DeleteRole"
    html = _eventually(browser, path, lambda page: "operator" in page)
    assert ">DeleteRole</a>" in html and "iam.amazonaws.com" in html
    assert "AWS::IAM::Role" in html and "doomed" in html
    link = EVENT_LINK.search(html)
    assert link is not None

    status, _, detail = browser.get(link.group(1))
    assert status == 200
    decision = detail[detail.index('data-testid="decision"') : detail.index("Event record")]
    assert 'Allow statement 0 (Sid "RoleCleanup")' in markup.unescape(decision)
    assert "cleanup" in decision and "inline policy" in decision
    assert "iam:DeleteRole" in decision and "role/doomed" in decision
    record = markup.unescape(detail[detail.index("Event record") :])
    assert '"eventName": "DeleteRole"' in record and '"iamdDecision": {' in record
    assert '"userName": "operator"' in record


def test_filters_by_user_name_and_event_name(
    browser: Browser, server: IamdServer, root_iam: Any
) -> None:
    operator = _operator(server, root_iam)
    root_iam.create_group(GroupName="by-root")
    with pytest.raises(ClientError, match="AccessDenied"):
        operator.create_group(GroupName="by-operator")

    mine = _eventually(
        browser,
        "/iam/event-history?attribute=Username&value=operator",
        lambda page: ">CreateGroup</a>" in page,
    )
    assert "AccessDenied" in mine and "Denied" in mine
    assert ">CreatePolicy</a>" not in mine and ">CreateUser</a>" not in mine
    assert mine.count(">CreateGroup</a>") == 1

    named = _eventually(
        browser,
        "/iam/event-history?attribute=EventName&value=CreateGroup",
        lambda page: page.count(">CreateGroup</a>") == 2,
    )
    assert ">CreateUser</a>" not in named
    assert "selected>Event name</option>" in named and 'value="CreateGroup"' in named


def test_pages_follow_the_next_token(browser: Browser, root_iam: Any) -> None:
    for number in range(12):
        root_iam.create_group(GroupName=f"team-{number:02d}")
    path = "/iam/event-history?attribute=EventName&value=CreateGroup&size=10"
    status, _, first = browser.get(path)
    assert status == 200
    assert len(EVENT_LINK.findall(first)) == 10
    following = re.search(r'href="/console(/iam/event-history\?[^"]+)" rel="next"', first)
    assert following is not None
    status, _, second = browser.get(markup.unescape(following.group(1)))
    assert status == 200
    assert len(EVENT_LINK.findall(second)) == 2
    assert 'rel="next"' not in second and "Newest events" in second
    teams = [set(re.findall(r"team-\d\d", page)) for page in (first, second)]
    assert len(teams[0]) == 10 and len(teams[1]) == 2
    assert teams[0] | teams[1] == {f"team-{number:02d}" for number in range(12)}


def test_a_bad_time_is_said_at_its_field(browser: Browser, root_iam: Any) -> None:
    status, _, html = browser.get("/iam/event-history?start=yesterday")
    assert status == 400 and 'id="start-error"' in html
    later, earlier = "2026-12-04T10:00", "2026-12-03T10:00"
    status, _, html = browser.get(f"/iam/event-history?start={later}&end={earlier}")
    assert status == 400 and "InvalidTimeRangeException" in html


def test_a_user_without_lookup_events_is_refused(
    browser: Browser, server: IamdServer, root_iam: Any
) -> None:
    root_iam.create_user(UserName="reader")
    root_iam.attach_user_policy(
        UserName="reader", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    )
    root_iam.create_login_profile(UserName="reader", Password=USER_PASSWORD)
    account_id = root_iam.get_user(UserName="reader")["User"]["Arn"].split(":")[4]
    reader = Browser(browser.base)
    fields = {"user_name": "reader", "password": USER_PASSWORD}
    assert reader.submit(f"/{account_id}/signin", fields)[0] == 303
    status, _, html = reader.get("/iam/event-history")
    assert status == 403 and "Access denied" in html
    assert "is not authorized to perform: cloudtrail:LookupEvents" in html
    status, _, html = reader.get("/iam/event-history/00000000-0000-0000-0000-000000000000")
    assert status == 403 and "cloudtrail:LookupEvents" in html


def test_an_unknown_event_is_not_found(browser: Browser, root_iam: Any) -> None:
    status, _, html = browser.get("/iam/event-history/00000000-0000-0000-0000-000000000000")
    assert status == 404 and "Event not found" in html


def test_the_last_accessed_tab_shows_what_a_user_used(
    browser: Browser, server: IamdServer, root_iam: Any
) -> None:
    root_iam.create_user(UserName="lister")
    grant = {"Effect": "Allow", "Action": ["iam:ListUsers", "s3:ListAllMyBuckets"]}
    grant["Resource"] = "*"
    root_iam.put_user_policy(UserName="lister", PolicyName="look", PolicyDocument=_document(grant))
    key = root_iam.create_access_key(UserName="lister")["AccessKey"]
    server.client("iam", key["AccessKeyId"], key["SecretAccessKey"]).list_users()

    def iam_accessed(page: str) -> bool:
        return "Not accessed" not in _row(page, "iam")

    html = _eventually(browser, "/iam/users/lister/last-accessed", iam_accessed)
    assert "Identity and Access Management" in _row(html, "iam")
    assert "<time" in _row(html, "iam") and "look" in _row(html, "iam")
    assert "Not accessed in the tracking period" in _row(html, "s3")
    _, _, page = browser.get("/iam/users/lister")
    assert 'href="/console/iam/users/lister/last-accessed"' in page


def test_the_last_accessed_tab_of_a_group_role_and_policy(browser: Browser, root_iam: Any) -> None:
    grant = _document({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"})
    policy = root_iam.create_policy(PolicyName="getter", PolicyDocument=grant)["Policy"]
    root_iam.create_group(GroupName="crew")
    root_iam.attach_group_policy(GroupName="crew", PolicyArn=policy["Arn"])
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
    trust["Action"] = "sts:AssumeRole"
    root_iam.create_role(RoleName="worker", AssumeRolePolicyDocument=_document(trust))
    root_iam.attach_role_policy(RoleName="worker", PolicyArn=policy["Arn"])
    arn = policy["Arn"].replace(":", "%3A").replace("/", "%2F")
    for path in (
        "/iam/groups/crew/last-accessed",
        "/iam/roles/worker/last-accessed",
        f"/iam/policies/last-accessed?arn={arn}",
    ):
        status, _, html = browser.get(path)
        assert status == 200, html
        assert "Not accessed in the tracking period" in _row(html, "iam"), path
    status, _, html = browser.get("/iam/users/nobody-here/last-accessed")
    assert status == 404 and "NoSuchEntity" in html


def _row(html: str, namespace: str) -> str:
    start = html.index(f'data-namespace="{namespace}"')
    return html[start : html.index("</tr>", start)]


def test_event_history_in_a_browser(page: Any, console_url: str, shots: Shots) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    page.goto(console_url + "/iam/groups/new")
    page.get_by_label("Group name").fill("auditors")
    page.get_by_role("button", name="Create group").click()
    page.get_by_role("link", name="auditors").wait_for()
    open_section(page, "Event history")
    page.get_by_role("heading", name="Event history").wait_for()
    page.get_by_label("Lookup attribute").select_option("EventName")
    page.get_by_label("Attribute value").fill("CreateGroup")
    page.get_by_role("button", name="Look up events").click()
    events = page.get_by_test_id("events")
    events.get_by_role("link", name="CreateGroup").wait_for()
    assert "auditors" in events.inner_text()
    shots.take(page, "event-history")
    events.get_by_role("link", name="CreateGroup").click()
    page.get_by_role("heading", name="CreateGroup", level=1).wait_for()
    decision = page.get_by_test_id("decision").inner_text()
    assert "Allowed" in decision and "iam:CreateGroup" in decision
    assert '"eventName": "CreateGroup"' in page.get_by_label("CloudTrail record JSON").inner_text()
    shots.take(page, "event-detail")
    open_section(page, "Groups")
    page.get_by_role("link", name="auditors").click()
    page.get_by_role("link", name="Last accessed").click()
    page.get_by_role("heading", name="Last accessed").wait_for()
    assert "No policy of this group allows any service." in page.content()
    shots.take(page, "group-last-accessed")


def _rows(page: Any) -> list[str]:
    return list(page.get_by_test_id("events").locator("tbody tr").all_inner_texts())


def _follow(page: Any, name: str) -> list[str]:
    """Click a pager link, wait for the page it leads to, and read its rows."""
    before = page.url
    page.get_by_role("navigation", name="Pages").get_by_role("link", name=name).click()
    page.wait_for_url(lambda url: url != before)
    page.get_by_role("heading", name="Event history").wait_for()
    return _rows(page)


def test_event_history_pages_back_and_forth_in_a_browser(
    page: Any, console_url: str, browser: Browser, server: IamdServer, shots: Shots
) -> None:
    email, key_id, secret = signed_up_root(browser)
    root_iam = server.client("iam", key_id, secret)
    for number in range(25):
        root_iam.create_group(GroupName=f"pager-{number:02d}")
    root_iam.create_user(UserName="not-a-group")  # filtered out on every page
    sign_in_root(page, console_url, email, PASSWORD)
    open_section(page, "Event history")
    page.get_by_label("Lookup attribute").select_option("EventName")
    page.get_by_label("Attribute value").fill("CreateGroup")
    page.get_by_label("Events per page").select_option("10")
    page.get_by_role("button", name="Look up events").click()
    page.get_by_test_id("events").wait_for()
    pager = page.get_by_role("navigation", name="Pages")
    first = _rows(page)
    assert pager.get_by_role("link", name="Previous page").count() == 0
    second = _follow(page, "Next page")
    third = _follow(page, "Next page")
    assert [len(rows) for rows in (first, second, third)] == [10, 10, 5]
    assert pager.get_by_role("link", name="Next page").count() == 0
    shown = {group for rows in (first, second, third) for row in rows for group in row.split()}
    assert {f"pager-{number:02d}" for number in range(25)} <= shown
    assert all("CreateGroup" in row for row in first + second + third)
    assert not any("not-a-group" in row for row in first + second + third)
    shots.take(page, "event-history-last-page")
    assert _follow(page, "Previous page") == second
    assert _follow(page, "Previous page") == first
    assert pager.get_by_role("link", name="Previous page").count() == 0
    # The filters are still the ones typed, in the form and in what the rows show.
    assert page.get_by_label("Lookup attribute").input_value() == "EventName"
    assert page.get_by_label("Attribute value").input_value() == "CreateGroup"
    assert page.get_by_label("Events per page").input_value() == "10"
    assert _follow(page, "Next page") == second
