"""Last use, three ways, against the trail: GetAccessKeyLastUsed, GetRole's RoleLastUsed
and the credential report say what LookupEvents says about the same call.

AWS keeps last use to a coarse granularity (iamd: a minute, `LAST_USED_GRANULARITY`),
so a later call within the minute in the same Region and service leaves the record
alone; the first use, or a use in another Region, is recorded to the second. Each
test makes a use of the second kind and expects the same second everywhere.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from audit.conftest import Trail, allow, document
from console.http_client import Browser, signed_up_root, token_of
from iamd.store.access_keys import LAST_USED_GRANULARITY
from support import IamdServer, RootCredential

ELSEWHERE = "eu-west-2"  # not the clients' default Region, so a use there is news
USER_PASSWORD = "Last-Used-Pass-123!"


def _client(server: IamdServer, service: str, credentials: dict[str, str]) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name=ELSEWHERE,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"),
    )


def _event_time(record: dict[str, Any]) -> datetime:
    return datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _to_second(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(microsecond=0)


def _credential_report(iam: Any) -> dict[str, dict[str, str]]:
    """The account's credential report, freshly generated, as rows by user name."""
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode()
    return {row["user"]: row for row in csv.DictReader(io.StringIO(content))}


def _report_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_keys_last_use_agrees_with_the_trail_and_the_credential_report(
    server: IamdServer, iam: Any, trail: Trail
) -> None:
    iam.create_user(UserName="signer")
    policy = document(allow("sts:GetCallerIdentity"))
    iam.put_user_policy(UserName="signer", PolicyName="who", PolicyDocument=policy)
    key = iam.create_access_key(UserName="signer")["AccessKey"]
    _client(server, "sts", key).get_caller_identity()

    attribute = {"AttributeKey": "AccessKeyId", "AttributeValue": key["AccessKeyId"]}
    (record,) = trail.wait_for(
        "GetCallerIdentity", where=lambda r: r["userIdentity"].get("userName") == "signer"
    )
    assert [e["EventName"] for e in trail.events(LookupAttributes=[attribute])] == [
        "GetCallerIdentity"
    ]
    assert record["eventSource"] == "sts.amazonaws.com" and record["awsRegion"] == ELSEWHERE

    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert (used["ServiceName"], used["Region"]) == ("sts", ELSEWHERE)
    assert _to_second(used["LastUsedDate"]) == _event_time(record)

    row = _credential_report(iam)["signer"]
    assert row["access_key_1_last_used_service"] == "sts"
    assert row["access_key_1_last_used_region"] == ELSEWHERE
    assert _report_time(row["access_key_1_last_used_date"]) == _event_time(record)
    assert row["access_key_2_last_used_date"] == "N/A"


def test_a_roles_last_use_is_its_sessions_last_call_as_the_trail_has_it(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    trust = document(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust)["Role"]
    assert iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"] == {}
    iam.create_user(UserName="assumer")
    iam.put_user_policy(
        UserName="assumer", PolicyName="a", PolicyDocument=document(allow("sts:AssumeRole"))
    )
    key = iam.create_access_key(UserName="assumer")["AccessKey"]
    assumer = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    credentials = assumer.assume_role(RoleArn=role["Arn"], RoleSessionName="job")["Credentials"]

    (assumed,) = trail.wait_for("AssumeRole")
    after_assume = iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"]
    assert after_assume["Region"] == assumed["awsRegion"]
    assert _to_second(after_assume["LastUsedDate"]) == _event_time(assumed)

    # The session calls STS, which is regional (IAM is signed and recorded in us-east-1).
    _client(server, "sts", credentials).get_caller_identity()
    (called,) = trail.wait_for(
        "GetCallerIdentity", where=lambda r: r["userIdentity"].get("type") == "AssumedRole"
    )
    issuer = called["userIdentity"]["sessionContext"]["sessionIssuer"]
    assert issuer["arn"] == role["Arn"] and called["awsRegion"] == ELSEWHERE
    last_used = iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"]
    assert last_used["Region"] == ELSEWHERE
    assert _to_second(last_used["LastUsedDate"]) == _event_time(called)
    # GetAccountAuthorizationDetails reports the same last use.
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    (worker,) = [r for r in details if r["RoleName"] == "worker"]
    assert worker["RoleLastUsed"] == last_used


def test_a_roles_sessions_calls_within_the_minute_keep_its_last_use(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    trust = document(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="steady", AssumeRolePolicyDocument=trust)["Role"]
    credentials = iam_root_session(server, account, role["Arn"])
    session = _client(server, "sts", credentials)
    for _ in range(3):
        session.get_caller_identity()
    calls = trail.wait_for(
        "GetCallerIdentity",
        count=3,
        where=lambda r: r["userIdentity"].get("type") == "AssumedRole",
    )
    last_used = iam.get_role(RoleName="steady")["Role"]["RoleLastUsed"]
    latest = max(_event_time(record) for record in calls)
    # Recorded at the first call in this Region; the later ones are within the minute.
    assert timedelta(0) <= latest - _to_second(last_used["LastUsedDate"]) < LAST_USED_GRANULARITY
    assert last_used["Region"] == ELSEWHERE


def iam_root_session(server: IamdServer, account: RootCredential, role_arn: str) -> Any:
    """A session of the role, assumed by a user of the account (root may not assume)."""
    iam = server.client("iam", account.access_key_id, account.secret_access_key)
    iam.create_user(UserName="starter")
    iam.put_user_policy(
        UserName="starter", PolicyName="a", PolicyDocument=document(allow("sts:AssumeRole"))
    )
    key = iam.create_access_key(UserName="starter")["AccessKey"]
    sts = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    return sts.assume_role(RoleArn=role_arn, RoleSessionName="steady")["Credentials"]


def test_a_console_sign_in_is_the_passwords_last_use_in_the_credential_report(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    iam.create_user(UserName="clicker")
    iam.create_login_profile(UserName="clicker", Password=USER_PASSWORD)
    assert "PasswordLastUsed" not in iam.get_user(UserName="clicker")["User"]

    visitor = Browser(server.endpoint + "/console")
    fields = {"user_name": "clicker", "password": USER_PASSWORD}
    assert visitor.submit(f"/{account.account_id}/signin", fields)[0] == 303
    (login,) = trail.wait_for(
        "ConsoleLogin", where=lambda r: r["userIdentity"].get("userName") == "clicker"
    )
    assert login["responseElements"] == {"ConsoleLogin": "Success"}

    # Generated after the sign-in: a report is reused for four hours, as AWS's is.
    row = _credential_report(iam)["clicker"]
    assert row["password_enabled"] == "true"
    assert _report_time(row["password_last_used"]) == _event_time(login)
    user = iam.get_user(UserName="clicker")["User"]
    assert _to_second(user["PasswordLastUsed"]) == _event_time(login)


def test_the_root_users_console_sign_in_is_its_passwords_last_use(server: IamdServer) -> None:
    visitor = Browser(server.endpoint + "/console")
    _, key_id, secret = signed_up_root(visitor)  # signs up, signs in, makes a root key
    iam = server.client("iam", key_id, secret)
    trail = Trail(server.client("cloudtrail", key_id, secret))
    (login,) = trail.wait_for("ConsoleLogin", where=lambda r: r["userIdentity"]["type"] == "Root")
    assert login["responseElements"] == {"ConsoleLogin": "Success"}

    row = _credential_report(iam)["<root_account>"]
    assert row["password_enabled"] == "not_supported"
    assert _report_time(row["password_last_used"]) == _event_time(login)
    assert _to_second(iam.get_user()["User"]["PasswordLastUsed"]) == _event_time(login)


def test_a_password_changed_at_sign_in_was_last_used_at_the_sign_in(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    iam.create_user(UserName="renewer")
    iam.create_login_profile(UserName="renewer", Password=USER_PASSWORD, PasswordResetRequired=True)
    policy = "arn:aws:iam::aws:policy/IAMUserChangePassword"  # as AWS's console attaches
    iam.attach_user_policy(UserName="renewer", PolicyArn=policy)
    visitor = Browser(server.endpoint + "/console")
    fields = {"user_name": "renewer", "password": USER_PASSWORD}
    assert visitor.submit(f"/{account.account_id}/signin", fields)[0] == 303
    (login,) = trail.wait_for(
        "ConsoleLogin", where=lambda r: r["userIdentity"].get("userName") == "renewer"
    )
    # The new password is set in a later second than the sign-in, so the two differ.
    time.sleep(1.1)
    status, _, html = visitor.get("/signin/new-password")
    assert status == 200, html
    new = "Renewed-Pass-456!"
    form = {"old_password": USER_PASSWORD, "new_password": new, "confirm": new}
    status, _, html = visitor.post("/signin/new-password", {**form, "csrf_token": token_of(html)})
    assert status == 303, html
    trail.wait_for("ChangePassword")

    row = _credential_report(iam)["renewer"]
    assert _report_time(row["password_last_used"]) == _event_time(login)
