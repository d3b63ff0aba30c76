"""The credential report: GenerateCredentialReport and GetCredentialReport.

Generating writes the whole CSV at once and keeps it as the account's latest report;
AWS generates in the background, so the first call answers STARTED and later ones
COMPLETE, which is what clients poll for. A report younger than four hours is reused,
as in AWS. The columns and their "N/A", "not_supported" and "no_information" values
are AWS's (IAM User Guide, "Getting credential reports").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from iamd.arn import iam_arn, root_arn
from iamd.auth import passwords
from iamd.errors import ReportExpired, ReportNotPresent
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import account_settings, accounts, users
from iamd.store import credential_reports as store
from iamd.store.credential_reports import Certificate, KeyUse
from iamd.store.users import User

REPORT_LIFETIME = timedelta(hours=4)
NEW_REPORT = "No report exists. Starting a new report generation task"
ROOT_NAME = "<root_account>"
NOT_APPLICABLE = "N/A"
NOT_SUPPORTED = "not_supported"
NO_INFORMATION = "no_information"

COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    *(
        f"access_key_{n}_{field}"
        for n in (1, 2)
        for field in (
            "active",
            "last_rotated",
            "last_used_date",
            "last_used_region",
            "last_used_service",
        )
    ),
    *(f"cert_{n}_{field}" for n in (1, 2) for field in ("active", "last_rotated")),
)


def report_time(value: datetime | None, *, missing: str = NOT_APPLICABLE) -> str:
    """AWS's report timestamps: ISO 8601 in UTC with an explicit offset, to the second."""
    if value is None:
        return missing
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def flag(value: bool) -> str:
    return "true" if value else "false"


def key_columns(keys: Sequence[KeyUse]) -> list[str]:
    columns: list[str] = []
    for slot in range(2):
        key = keys[slot] if slot < len(keys) else None
        if key is None:
            columns += ["false", NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
            continue
        columns += [
            flag(key.is_active),
            report_time(key.created_at),
            report_time(key.last_used_at),
            key.last_used_region or NOT_APPLICABLE,
            key.last_used_service or NOT_APPLICABLE,
        ]
    return columns


def cert_columns(certs: Sequence[Certificate]) -> list[str]:
    columns: list[str] = []
    for slot in range(2):
        cert = certs[slot] if slot < len(certs) else None
        columns += (
            [flag(cert.is_active), report_time(cert.created_at)] if cert else ["false", "N/A"]
        )
    return columns


class ReportData:
    """Everything a report reads, fetched once for the whole account."""

    def __init__(self, ctx: OperationContext) -> None:
        self.ctx = ctx
        self.policy = account_settings.find_password_policy(ctx.conn, ctx.account_id)
        self.changes = store.password_changes(ctx.conn, ctx.account_id)
        self.mfa_owners = store.mfa_owners(ctx.conn, ctx.account_id)
        self.keys = store.access_keys_by_owner(ctx.conn, ctx.account_id)
        self.certs = store.signing_certificates(ctx.conn, ctx.account_id)

    def root_row(self) -> list[str]:
        account = accounts.get_account(self.ctx.conn, self.ctx.account_id)
        created = account.created_at if account else None
        root_user_id = account.root_user_id if account else self.ctx.account_id
        last_sign_in = account.root_password_last_used if account else None
        return [
            ROOT_NAME,
            root_arn(self.ctx.account_id, partition=self.ctx.partition),
            report_time(created),
            NOT_SUPPORTED,
            report_time(last_sign_in, missing=NO_INFORMATION),
            NOT_SUPPORTED,
            NOT_SUPPORTED,
            flag(root_user_id in self.mfa_owners),
            *key_columns(self.keys.get(None, [])),
            *cert_columns([]),
        ]

    def user_row(self, user: User) -> list[str]:
        changed_at = self.changes.get(user.user_id)
        has_password = changed_at is not None
        last_used = NO_INFORMATION if has_password else NOT_APPLICABLE
        next_rotation = passwords.expires_at(changed_at, self.policy) if changed_at else None
        return [
            user.name,
            iam_arn(user.account_id, "user", user.path, user.name, partition=self.ctx.partition),
            report_time(user.created_at),
            flag(has_password),
            report_time(user.password_last_used, missing=last_used),
            report_time(changed_at),
            report_time(next_rotation),
            flag(user.user_id in self.mfa_owners),
            *key_columns(self.keys.get(user.user_id, [])),
            *cert_columns(self.certs.get(user.user_id, [])),
        ]


def all_users(ctx: OperationContext) -> Iterator[User]:
    marker: str | None = None
    while True:
        page = users.list_users(
            ctx.conn, ctx.account_id, path_prefix="/", marker=marker, limit=1000
        )
        yield from page.items
        marker = page.next_marker
        if marker is None:
            return


def build_report(ctx: OperationContext) -> str:
    data = ReportData(ctx)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(data.root_row())
    writer.writerows(data.user_row(user) for user in all_users(ctx))
    return text.getvalue()


def generate_credential_report(ctx: OperationContext, params: Params) -> Output:
    latest = store.find_report(ctx.conn, ctx.account_id)
    if latest is not None and ctx.now - latest.generated_at < REPORT_LIFETIME:
        return {"State": "COMPLETE"}
    store.save_report(ctx.conn, ctx.account_id, ctx.now, build_report(ctx))
    return {"State": "STARTED", "Description": NEW_REPORT}


def get_credential_report(ctx: OperationContext, params: Params) -> Output:
    latest = store.find_report(ctx.conn, ctx.account_id)
    if latest is None:
        raise ReportNotPresent()  # AWS answers this error without a message
    if ctx.now - latest.generated_at >= REPORT_LIFETIME:
        raise ReportExpired()
    return {
        "Content": latest.content,
        "ReportFormat": "text/csv",
        "GeneratedTime": latest.generated_at,
    }


OPERATIONS: OperationTable = {
    "GenerateCredentialReport": generate_credential_report,
    "GetCredentialReport": get_credential_report,
}
