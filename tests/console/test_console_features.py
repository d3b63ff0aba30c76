"""The rest of the console in a browser: aliases, MFA, policies from JSON, roles and
"Switch role", deleting with the API's conflict rules, the password policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import (
    add_console_user,
    open_section,
    sign_in_root,
    sign_in_user,
    sign_out,
    sign_up,
)
from iamd.auth import totp

USER_PASSWORD = "Member-Pass-123!"


def _code(seed: str, steps_ahead: int) -> str:
    return totp.code_for(seed, totp.counter_at(datetime.now(UTC)) + steps_ahead)


def _consecutive_codes(seed: str) -> tuple[str, str]:
    # One reading of the clock for both: two readings either side of a 30-second
    # boundary would give codes two steps apart, which no device ever shows.
    now = totp.counter_at(datetime.now(UTC))
    return totp.code_for(seed, now - 1), totp.code_for(seed, now)


def test_users_sign_in_at_the_alias_url(page: Any, console_url: str, shots: Shots) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    add_console_user(page, "dev", USER_PASSWORD)
    open_section(page, "Account settings")
    alias = f"seed-{account.account_id}"
    page.get_by_role("textbox", name="Alias").fill(alias)
    page.get_by_role("button", name="Create alias").click()
    page.get_by_text("Account alias saved.").wait_for()
    shots.take(page, "settings")
    open_section(page, "Dashboard")
    urls = page.get_by_test_id("signin-url").all_inner_texts()
    assert urls == [account.user_signin_url, f"{console_url}/{alias}/signin"]
    sign_out(page)
    sign_in_user(page, urls[1], "dev", USER_PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()


def test_root_mfa_is_asked_at_sign_in(page: Any, console_url: str, shots: Shots) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    page.get_by_role("link", name="My security credentials").click()
    page.get_by_role("link", name="Assign MFA device").click()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_text("Show secret key").click()
    seed = page.get_by_test_id("mfa-seed").inner_text()
    shots.take(page, "assign-mfa")
    first, second = _consecutive_codes(seed)
    page.get_by_label("MFA code 1").fill(first)
    page.get_by_label("MFA code 2").fill(second)
    page.get_by_role("button", name="Assign MFA").click()
    page.get_by_text("MFA device assigned").wait_for()
    sign_out(page)

    sign_in_root(page, console_url, account.email, PASSWORD)
    page.get_by_role("heading", name="Multi-factor authentication").wait_for()
    page.get_by_label("MFA code").fill("000000" if _code(seed, 1) != "000000" else "111111")
    page.get_by_role("button", name="Submit").click()
    assert page.get_by_role("alert").inner_text().startswith("Your authentication information")
    page.goto(console_url + "/iam/users")  # a half-signed-in session reaches no page
    assert page.url.endswith("/console/signin/mfa")
    page.get_by_label("MFA code").fill(_code(seed, 1))
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    expect(page.get_by_text("Root user has MFA")).to_be_visible()


def test_a_policy_from_json_shows_problems_at_their_line(
    page: Any, console_url: str, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    open_section(page, "Policies")
    page.get_by_role("link", name="Create policy").click()
    page.get_by_label("Policy name").fill("read-bucket")
    broken = "\n".join(
        [
            "{",
            '  "Version": "2012-10-17",',
            '  "Statement": [',
            '    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},',
            '    {"Effect": "Allow", "Resource": "*"}',
            "  ]",
            "}",
        ]
    )
    page.get_by_label("Policy document (JSON)").fill(broken)
    page.get_by_role("button", name="Create policy").click()
    problem = page.get_by_test_id("policy-problem").inner_text()
    assert problem == ("MalformedPolicyDocument at line 5: Policy statement must contain actions.")
    shots.take(page, "policy-problem")
    fixed = broken.replace(
        '{"Effect": "Allow", "Resource"', '{"Effect": "Deny", "Action": "s3:Put*", "Resource"'
    )
    page.get_by_label("Policy document (JSON)").fill(fixed)
    page.get_by_role("button", name="Create policy").click()
    page.get_by_text("Policy read-bucket created.").wait_for()
    document = page.get_by_label("Policy document").inner_text()
    assert '      "Effect": "Deny",' in document.splitlines()  # pretty-printed
    shots.take(page, "policy-view")
    page.get_by_role("link", name="Edit (new version)").click()
    edited = (
        page.get_by_label("Policy document (JSON)").input_value().replace("s3:Put*", "s3:Delete*")
    )
    page.get_by_label("Policy document (JSON)").fill(edited)
    page.get_by_role("button", name="Save as new version").click()
    assert '"Action": "s3:Delete*",' in page.get_by_label("Policy document").inner_text()
    page.get_by_text("(version v2)").wait_for()
    page.get_by_role("button", name="Set as default").click()
    page.get_by_text("(version v1)").wait_for()

    open_section(page, "Policies")
    page.get_by_label("Filter policies by name").fill("S3ReadOnly")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="AmazonS3ReadOnlyAccess", exact=True).click()
    assert '"s3:Get*"' in page.get_by_label("Policy document").inner_text()


def test_deleting_a_user_lists_what_goes_and_asks_for_its_name(
    page: Any, console_url: str, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    add_console_user(page, "leaver", USER_PASSWORD, policy="IAMReadOnlyAccess")
    page.get_by_role("link", name="View user").click()
    page.get_by_role("link", name="Delete").click()
    effects = page.get_by_test_id("effects").inner_text().splitlines()
    assert effects == [
        "Delete the console password",
        "Detach policy IAMReadOnlyAccess",
        "Delete the user leaver",
    ]
    page.get_by_label("To confirm, type the user name").fill("leave")
    page.get_by_role("button", name="Delete user").click()
    expect(page.get_by_text("The text you typed does not match leaver.")).to_be_visible()
    page.get_by_label("To confirm, type the user name").fill("leaver")
    shots.take(page, "delete-user")
    page.get_by_role("button", name="Delete user").click()
    page.get_by_text("User leaver deleted.").wait_for()


def test_switch_role_acts_with_the_roles_permissions(
    page: Any, console_url: str, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    add_console_user(page, "operator", USER_PASSWORD)
    open_section(page, "Roles")
    page.get_by_role("link", name="Create role").click()
    page.get_by_role("radio", name="Custom trust policy").check()
    trust = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
        f'"arn:aws:iam::{account.account_id}:user/operator"}}, "Action": "sts:AssumeRole"}}]}}'
    )
    page.get_by_label("Trust policy (JSON)").fill(trust)
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Filter policies").fill("IAMReadOnlyAccess")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("IAMReadOnlyAccess", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Role name").fill("auditor")
    page.get_by_role("button", name="Create role").click()
    page.get_by_role("heading", name="auditor").wait_for()
    assert '"Action": "sts:AssumeRole"' in page.get_by_label("Trust policy").inner_text()
    shots.take(page, "role")
    sign_out(page)

    sign_in_user(page, account.user_signin_url, "operator", USER_PASSWORD)
    open_section(page, "Users")
    assert "is not authorized to perform: iam:ListUsers" in page.get_by_role("alert").inner_text()
    # The operator may not read the role, but may switch to it by name, as in AWS.
    page.get_by_role("link", name="Switch role").click()
    page.get_by_label("Account ID or alias").fill(account.account_id)
    page.get_by_label("Role name").fill("auditor")
    shots.take(page, "switch-role-form")
    page.get_by_role("button", name="Switch role").click()
    page.get_by_text("You are now acting as the role auditor.").wait_for()
    assert page.get_by_test_id("principal").inner_text().startswith("auditor (role, as operator)")
    open_section(page, "Users")
    expect(page.get_by_role("link", name="operator")).to_be_visible()
    shots.take(page, "switched")
    page.get_by_role("button", name="Switch back").click()
    open_section(page, "Users")
    assert "is not authorized to perform: iam:ListUsers" in page.get_by_role("alert").inner_text()


def test_a_new_user_can_copy_another_users_permissions_and_get_a_boundary(
    page: Any, console_url: str
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    add_console_user(page, "template", USER_PASSWORD, policy="ReadOnlyAccess")
    open_section(page, "Users")
    page.get_by_role("link", name="Add users").click()
    page.get_by_label("User name").fill("copycat")
    page.get_by_label("Programmatic access").check()
    page.get_by_role("button", name="Next: Permissions").click()
    page.get_by_role("radio", name="Copy permissions from existing user").check()
    page.get_by_label("User to copy groups, policies and boundary from").select_option("template")
    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    page.get_by_label("Policy ARN that caps this user's permissions").fill(boundary)
    page.get_by_role("button", name="Next: Tags").click()
    page.get_by_role("button", name="Next: Review").click()
    expect(page.get_by_text("Copied from user: template")).to_be_visible()
    page.get_by_role("button", name="Create user").click()
    page.get_by_role("link", name="View user").click()
    expect(page.get_by_role("link", name="ReadOnlyAccess", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=boundary)).to_be_visible()


def test_a_failed_creation_leaves_nothing_behind(page: Any, console_url: str) -> None:
    """The wizard's calls are all or nothing: a bad boundary undoes the user too."""
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    open_section(page, "Users")
    page.get_by_role("link", name="Add users").click()
    page.get_by_label("User name").fill("half")
    page.get_by_label("Programmatic access").check()
    page.get_by_role("button", name="Next: Permissions").click()
    bogus = f"arn:aws:iam::{account.account_id}:policy/does-not-exist"
    page.get_by_label("Policy ARN that caps this user's permissions").fill(bogus)
    page.get_by_role("button", name="Next: Tags").click()
    page.get_by_role("button", name="Next: Review").click()
    page.get_by_role("button", name="Create user").click()
    assert "does-not-exist" in page.get_by_role("alert").inner_text()
    open_section(page, "Users")
    expect(page.get_by_text("No users yet.")).to_be_visible()
