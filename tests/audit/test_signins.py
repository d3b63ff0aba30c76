"""Console sign-ins as ConsoleLogin events, and console actions as API calls."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from audit.conftest import Trail, allow, document
from console.test_console_http import Browser, sign_up
from iamd.console.principals import account_by_email
from iamd.store.audit_events import EventQuery
from iamd.store.audit_outbox import find_events_and_waiting
from support import IamdServer, RootCredential

PASSWORD = "Sign-In-Passw0rd!"
ALWAYS = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def _console_user(iam: Any, name: str, *, policy: str | None = None) -> dict[str, Any]:
    user: dict[str, Any] = iam.create_user(UserName=name)["User"]
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="console", PolicyDocument=policy)
    return user


def test_a_successful_sign_in_is_a_console_login(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    user = _console_user(iam, "ann")
    browser = Browser(server.endpoint + "/console")
    status, headers, _ = browser.submit(
        f"/{account.account_id}/signin", {"user_name": "ann", "password": PASSWORD}
    )
    assert status == 303, headers
    (record,) = trail.named("ConsoleLogin")
    record = json.loads(record["CloudTrailEvent"])
    assert record["eventSource"] == "signin.amazonaws.com"
    assert record["eventType"] == "AwsConsoleSignIn"
    assert record["userIdentity"] == {
        "type": "IAMUser",
        "principalId": user["UserId"],
        "arn": user["Arn"],
        "accountId": account.account_id,
        "userName": "ann",
    }
    assert record["responseElements"] == {"ConsoleLogin": "Success"}
    assert record["additionalEventData"]["MFAUsed"] == "No"
    assert record["additionalEventData"]["LoginTo"].endswith("/console/iam")
    assert "errorMessage" not in record and record["readOnly"] is False


def test_failed_sign_ins_are_recorded_without_what_was_typed(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    _console_user(iam, "ben")
    browser = Browser(server.endpoint + "/console")
    path = f"/{account.account_id}/signin"
    browser.submit(path, {"user_name": "ben", "password": "wrong"})
    browser.submit(path, {"user_name": "Hunter2-typed-here", "password": "wrong"})
    records = [json.loads(e["CloudTrailEvent"]) for e in trail.named("ConsoleLogin")]
    by_name = {r["userIdentity"]["userName"]: r for r in records}
    assert set(by_name) == {"ben", "HIDDEN_DUE_TO_SECURITY_REASONS"}
    for record in records:
        assert record["responseElements"] == {"ConsoleLogin": "Failure"}
        assert record["errorMessage"] == "Failed authentication"
        assert "errorCode" not in record
    assert by_name["ben"]["iamdDecision"]["reason"] == "wrong password"
    hidden = by_name["HIDDEN_DUE_TO_SECURITY_REASONS"]
    assert hidden["iamdDecision"]["reason"] == "no such user"
    assert "Hunter2" not in json.dumps(records)


def test_a_root_sign_in_is_recorded(server: IamdServer) -> None:
    browser = Browser(server.endpoint + "/console")
    email = sign_up(browser)
    browser = Browser(server.endpoint + "/console")
    status, _, _ = browser.submit("/signin", {"email": email, "password": "Corr3ct-Horse-Battery!"})
    assert status == 303
    db, _ = server.open_store()
    try:
        with db.transaction(write=False) as conn:
            account = account_by_email(conn, email)
            assert account is not None
            query = EventQuery(account.account_id, *ALWAYS, ("EventName", "ConsoleLogin"))
            found = find_events_and_waiting(conn, query)
    finally:
        db.dispose()
    record = json.loads(found[0].row.record)
    assert found[0].row.username == "root"
    assert record["userIdentity"]["type"] == "Root"
    assert record["responseElements"] == {"ConsoleLogin": "Success"}


def test_a_console_action_names_who_did_it_and_from_where(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    _console_user(iam, "admin", policy=document(allow("iam:*")))
    iam.create_user(UserName="victim")
    browser = Browser(server.endpoint + "/console")
    browser.submit(f"/{account.account_id}/signin", {"user_name": "admin", "password": PASSWORD})
    status, _, _ = browser.submit("/iam/users/victim/delete", {"confirm": "victim"})
    assert status == 303
    (event,) = trail.named("DeleteUser")  # committed with the deletion itself
    record = json.loads(event["CloudTrailEvent"])
    assert record["userIdentity"]["userName"] == "admin"
    assert record["sessionCredentialFromConsole"] == "true"
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["requestParameters"] == {"userName": "victim"}
    statement = record["iamdDecision"]["evaluations"][0]["statements"][0]
    assert (statement["policy"], statement["policyKind"]) == ("console", "inline")
