"""The credential report through boto3: AWS's generate-then-get flow, its columns and
its values (``aws-recorded/iam/credential_report.json``)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def _report(iam: Any) -> tuple[list[str], dict[str, dict[str, str]]]:
    answer = iam.get_credential_report()
    assert answer["ReportFormat"] == "text/csv"
    reader = csv.DictReader(io.StringIO(answer["Content"].decode()))
    rows = {row["user"]: row for row in reader}
    return list(reader.fieldnames or []), rows


def test_report_before_generating(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_credential_report()
    response = excinfo.value.response
    # AWS answers this error without a message.
    assert response["Error"] == {"Type": "Sender", "Code": "ReportNotPresent"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_generate_then_get(iam: Any, account: Any) -> None:
    iam.create_user(UserName="report-user")
    iam.create_login_profile(UserName="report-user", Password="Report-Passw0rd")
    iam.create_access_key(UserName="report-user")
    second = iam.create_access_key(UserName="report-user")["AccessKey"]
    iam.update_access_key(
        UserName="report-user", AccessKeyId=second["AccessKeyId"], Status="Inactive"
    )
    iam.create_user(UserName="no-password")

    started = iam.generate_credential_report()
    assert (started["State"], started["Description"]) == (
        "STARTED",
        "No report exists. Starting a new report generation task",
    )
    completed = iam.generate_credential_report()
    assert completed["State"] == "COMPLETE"
    assert "Description" not in completed

    fields, rows = _report(iam)
    assert fields == COLUMNS
    assert set(rows) == {"<root_account>", "report-user", "no-password"}

    user = rows["report-user"]
    assert user["arn"] == f"arn:aws:iam::{account.account_id}:user/report-user"
    assert all(
        TIMESTAMP.fullmatch(user[column])
        for column in (
            "user_creation_time",
            "password_last_changed",
            "access_key_1_last_rotated",
            "access_key_2_last_rotated",
        )
    )
    assert {
        column: user[column] for column in COLUMNS if not TIMESTAMP.fullmatch(user[column])
    } == {
        "user": "report-user",
        "arn": user["arn"],
        "password_enabled": "true",
        "password_last_used": "no_information",
        "password_next_rotation": "N/A",
        "mfa_active": "false",
        "access_key_1_active": "true",
        "access_key_1_last_used_date": "N/A",
        "access_key_1_last_used_region": "N/A",
        "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_used_date": "N/A",
        "access_key_2_last_used_region": "N/A",
        "access_key_2_last_used_service": "N/A",
        "cert_1_active": "false",
        "cert_1_last_rotated": "N/A",
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    bare = rows["no-password"]
    assert (bare["password_enabled"], bare["password_last_used"]) == ("false", "N/A")
    assert (bare["password_last_changed"], bare["access_key_1_active"]) == ("N/A", "false")


def test_root_row(iam: Any, account: Any) -> None:
    iam.list_users()  # the root key's use is recorded once this call is answered
    iam.generate_credential_report()
    _, rows = _report(iam)
    root = rows["<root_account>"]
    assert root["arn"] == f"arn:aws:iam::{account.account_id}:root"
    assert root["password_enabled"] == "not_supported"
    # Every iamd account has the root access key these tests sign with.
    assert root["access_key_1_active"] == "true"
    assert root["access_key_1_last_used_service"] == "iam"


def test_next_rotation_follows_the_password_policy(iam: Any) -> None:
    iam.update_account_password_policy(MaxPasswordAge=90)
    iam.create_user(UserName="rotating")
    iam.create_login_profile(UserName="rotating", Password="Rotating-Passw0rd")
    iam.generate_credential_report()
    _, rows = _report(iam)
    assert TIMESTAMP.fullmatch(rows["rotating"]["password_next_rotation"])
