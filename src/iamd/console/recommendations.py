"""The dashboard's security recommendations, from GetAccountSummary and the credential report.

In: the SummaryMap and the credential report's CSV text. Out: `Recommendation`s, each
a finding that is either fine (``is_ok``) or something to do, with the page to do it
on. "Unused" follows AWS's dashboard: a password or an active access key not used (or,
never used, not changed) for `UNUSED_DAYS` days.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

UNUSED_DAYS = 90


@dataclass(frozen=True)
class Recommendation:
    title: str
    detail: str
    is_ok: bool
    link: str | None = None


def for_root(summary: Mapping[str, int], *, is_root: bool) -> list[Recommendation]:
    """Root MFA and root access keys; the root user itself gets a link to fix them."""
    has_mfa = bool(summary.get("AccountMFAEnabled"))
    has_keys = bool(summary.get("AccountAccessKeysPresent"))
    return [
        Recommendation(
            "Root user has MFA" if has_mfa else "Add MFA for the root user",
            "The root user signs in with a second factor."
            if has_mfa
            else "Protect the root user with a virtual MFA device.",
            is_ok=has_mfa,
            link="/iam/my-credentials" if is_root and not has_mfa else None,
        ),
        Recommendation(
            "Root user has active access keys" if has_keys else "Root user has no access keys",
            "Use access keys of an IAM user instead, and delete the root user's."
            if has_keys
            else "Programmatic access goes through IAM users and roles.",
            is_ok=not has_keys,
            link="/iam/my-credentials" if is_root and has_keys else None,
        ),
    ]


def unused_credentials(report_csv: str, now: datetime) -> list[str]:
    """The users with a password or an active access key unused for `UNUSED_DAYS` days."""
    cutoff = now - timedelta(days=UNUSED_DAYS)
    rows = csv.DictReader(io.StringIO(report_csv))
    return [row["user"] for row in rows if row["user"] != "<root_account>" and _stale(row, cutoff)]


def for_credentials(users: list[str]) -> Recommendation:
    if not users:
        return Recommendation(
            "No unused credentials",
            f"Every password and active access key was used in the last {UNUSED_DAYS} days.",
            is_ok=True,
        )
    names = ", ".join(users[:5]) + (" …" if len(users) > 5 else "")
    return Recommendation(
        f"{len(users)} user(s) with unused credentials",
        f"Unused for {UNUSED_DAYS} days or more: {names}. Remove what is no longer needed.",
        is_ok=False,
        link="/iam/users",
    )


def _stale(row: Mapping[str, str], cutoff: datetime) -> bool:
    password = row["password_enabled"] == "true" and _older(
        row["password_last_used"], row["password_last_changed"], cutoff
    )
    keys = any(
        row[f"access_key_{n}_active"] == "true"
        and _older(
            row[f"access_key_{n}_last_used_date"], row[f"access_key_{n}_last_rotated"], cutoff
        )
        for n in (1, 2)
    )
    return password or keys


def _older(last_used: str, last_changed: str, cutoff: datetime) -> bool:
    """Whether the credential's last use (or, never used, its last change) is before cutoff."""
    when = _time(last_used) or _time(last_changed)
    return when is not None and when < cutoff


def _time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
