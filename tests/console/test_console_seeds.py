"""The seeds' walk-throughs, done in the console as a person would, in headless Chromium.

Seed "Intro to AWS": sign up, sign in as root, create the group ``admins`` with
AdministratorAccess, add the user ``admin`` with console and programmatic access in
that group, download the .csv, sign out, sign in as ``admin`` at the account's
sign-in URL, choose a new password, and use the console. Seed "Setup AWS": add a
user with programmatic access and AdministratorAccess attached directly, reveal the
secret access key and use it with the AWS SDK.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import open_section, sign_in_root, sign_in_user, sign_out, sign_up
from support import IamdServer

NEW_ADMIN_PASSWORD = "Admin-Chose-This-1!"


def create_admins_group(page: Any, shots: Shots) -> None:
    open_section(page, "Groups")
    page.get_by_role("link", name="Create group").click()
    page.get_by_label("Group name").fill("admins")
    page.get_by_label("Filter policies").fill("AdministratorAccess")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("AdministratorAccess", exact=True).check()
    shots.take(page, "create-group")
    page.get_by_role("button", name="Create group").click()
    page.get_by_text("Group admins created.").wait_for()  # back on the groups list
    page.get_by_role("link", name="admins", exact=True).click()
    expect(page.get_by_role("link", name="AdministratorAccess")).to_be_visible()
    shots.take(page, "group-admins")


def add_admin_user(page: Any, shots: Shots) -> dict[str, str]:
    """The add-user wizard: both access types, the admins group, no tags; the .csv."""
    open_section(page, "Users")
    page.get_by_role("link", name="Add users").click()
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Programmatic access").check()
    page.get_by_label("Console access").check()
    shots.take(page, "wizard-details")
    page.get_by_role("button", name="Next: Permissions").click()
    page.get_by_role("radio", name="Add user to group").check()
    page.get_by_label("admins").check()
    shots.take(page, "wizard-permissions")
    page.get_by_role("button", name="Next: Tags").click()
    shots.take(page, "wizard-tags")
    page.get_by_role("button", name="Next: Review").click()
    expect(page.get_by_text("Group: admins")).to_be_visible()
    shots.take(page, "wizard-review")
    page.get_by_role("button", name="Create user").click()
    page.get_by_text("last time").wait_for()
    shots.take(page, "wizard-created")
    for summary in page.locator("details.reveal summary").all():
        summary.click()
    shots.take(page, "wizard-secrets-shown")
    with page.expect_download() as download:
        page.get_by_test_id("download-csv").click()
    assert download.value.suggested_filename == "admin_credentials.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 1 and rows[0]["User name"] == "admin"
    assert rows[0]["Secret access key"] == page.get_by_test_id("secret-access-key").inner_text()
    return rows[0]


def test_intro_to_aws_seed(page: Any, console_url: str, server: IamdServer, shots: Shots) -> None:
    account = sign_up(page, console_url, PASSWORD, shots)
    sign_in_root(page, console_url, account.email, PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    assert page.get_by_test_id("principal").inner_text().startswith("Root user")
    shots.take(page, "dashboard-root")

    create_admins_group(page, shots)
    credentials = add_admin_user(page, shots)
    assert credentials["Console login link"] == account.user_signin_url

    # The keys from the .csv work with the AWS SDK, as `aws configure` would use them.
    sts = server.client("sts", credentials["Access key ID"], credentials["Secret access key"])
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account.account_id}:user/admin"

    open_section(page, "Dashboard")
    assert page.get_by_test_id("count-users").inner_text() == "1"
    assert page.get_by_test_id("count-groups").inner_text() == "1"
    signin_url = page.get_by_test_id("signin-url").first.inner_text()
    assert signin_url == account.user_signin_url
    sign_out(page)
    page.get_by_text("You signed out.").wait_for()
    shots.take(page, "signed-out")

    sign_in_user(page, signin_url, "admin", credentials["Password"])
    page.get_by_role("heading", name="Change your password").wait_for()
    shots.take(page, "admin-must-change-password")
    page.get_by_label("Old password").fill(credentials["Password"])
    page.get_by_label("New password", exact=True).fill(NEW_ADMIN_PASSWORD)
    page.get_by_label("Retype new password").fill(NEW_ADMIN_PASSWORD)
    page.get_by_role("button", name="Confirm password change").click()
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    assert page.get_by_test_id("principal").inner_text().startswith("admin @")
    shots.take(page, "dashboard-admin")

    # What AdministratorAccess allows: everything in IAM, here the users and groups.
    open_section(page, "Users")
    expect(page.get_by_role("link", name="admin", exact=True)).to_be_visible()
    open_section(page, "Groups")
    page.get_by_role("link", name="admins").click()
    expect(page.get_by_role("link", name="admin", exact=True)).to_be_visible()
    shots.take(page, "admin-sees-group")
    sign_out(page)

    # The new password is the one that works now; the old one is refused.
    sign_in_user(page, signin_url, "admin", credentials["Password"])
    assert page.get_by_role("alert").inner_text().startswith("Your authentication information")
    sign_in_user(page, signin_url, "admin", NEW_ADMIN_PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()


def test_setup_aws_seed(page: Any, console_url: str, server: IamdServer, shots: Shots) -> None:
    """Programmatic access only, AdministratorAccess attached directly, the secret shown."""
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    open_section(page, "Users")
    page.get_by_role("link", name="Add users").click()
    page.get_by_label("User name").fill("serverless-agent")
    page.get_by_label("Programmatic access").check()
    page.get_by_role("button", name="Next: Permissions").click()
    page.get_by_role("radio", name="Attach existing policies directly").check()
    page.get_by_label("Filter policies").fill("AdministratorAccess")
    page.keyboard.press("Enter")  # Enter in the search box searches
    page.get_by_label("AdministratorAccess", exact=True).check()
    shots.take(page, "attach-policy")
    page.get_by_role("button", name="Next: Tags").click()
    page.get_by_label("Tag key 1").fill("team")
    page.get_by_label("Tag value 1").fill("platform")
    page.get_by_role("button", name="Next: Review").click()
    expect(
        page.get_by_text("Managed policy: arn:aws:iam::aws:policy/AdministratorAccess")
    ).to_be_visible()
    page.get_by_role("button", name="Create user").click()
    page.get_by_text("Show").click()
    key_id = page.get_by_test_id("access-key-id").inner_text()
    secret = page.get_by_test_id("secret-access-key").inner_text()
    shots.take(page, "secret-shown")
    assert page.get_by_test_id("password").count() == 0  # no console access asked for

    iam = server.client("iam", key_id, secret)
    user = iam.get_user(UserName="serverless-agent")["User"]
    assert user["Tags"] == [{"Key": "team", "Value": "platform"}]
    attached = iam.list_attached_user_policies(UserName="serverless-agent")["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in attached] == ["AdministratorAccess"]

    # The secret is shown once: the user's page lists the key, never its secret.
    page.get_by_role("link", name="View user").click()
    expect(page.get_by_text(key_id)).to_be_visible()
    assert secret not in page.content()
