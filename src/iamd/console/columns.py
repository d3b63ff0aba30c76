"""The columns AWS's console lists next to each user, group and role.

In: an `Actor` (the signed-in principal: a column it may not read shows "—") and the
list's items. Out: per item, what the table shows: a user's groups, MFA, password
age, active key age and last activity; a group's users and policies; a role's
trusted entities (read from its trust policy) and whether "Switch role" fits it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iamd.console.actions import Actor, attempt


@dataclass(frozen=True)
class UserColumns:
    groups: list[str] | None
    has_mfa: bool | None
    password_days: int | None  # days since the console password was set
    key_days: int | None  # the oldest active access key's age in days
    last_activity: datetime | None


def user_columns(act: Actor, user: dict[str, Any], now: datetime) -> UserColumns:
    """The columns of one user of ListUsers's answer."""
    who = {"UserName": user["UserName"]}
    groups = attempt(act, "ListGroupsForUser", who)
    mfa = attempt(act, "ListMFADevices", who)
    profile = attempt(act, "GetLoginProfile", who)
    keys = attempt(act, "ListAccessKeys", who)
    active = [k for k in (keys.value or {}).get("AccessKeyMetadata", []) if k["Status"] == "Active"]
    used = [_key_last_used(act, key["AccessKeyId"]) for key in active]
    used.append(user.get("PasswordLastUsed"))
    return UserColumns(
        groups=[g["GroupName"] for g in groups.value["Groups"]] if groups.value else None,
        has_mfa=bool(mfa.value["MFADevices"]) if mfa.value else None,
        password_days=_days(now, profile.value["LoginProfile"]["CreateDate"])
        if profile.value
        else None,
        key_days=max((_days(now, key["CreateDate"]) for key in active), default=None),
        last_activity=max((when for when in used if when is not None), default=None),
    )


def _key_last_used(act: Actor, key_id: str) -> datetime | None:
    found = attempt(act, "GetAccessKeyLastUsed", {"AccessKeyId": key_id})
    when = (found.value or {}).get("AccessKeyLastUsed", {}).get("LastUsedDate")
    return when if isinstance(when, datetime) else None


def _days(now: datetime, then: datetime) -> int:
    return max((now - then).days, 0)


@dataclass(frozen=True)
class GroupColumns:
    users: int | None
    policies: int | None  # managed and inline


def group_columns(act: Actor, name: str) -> GroupColumns:
    who = {"GroupName": name}
    group = attempt(act, "GetGroup", {**who, "MaxItems": 1000})
    attached = attempt(act, "ListAttachedGroupPolicies", who)
    inline = attempt(act, "ListGroupPolicies", who)
    policies = None
    if attached.value is not None and inline.value is not None:
        policies = len(attached.value["AttachedPolicies"]) + len(inline.value["PolicyNames"])
    return GroupColumns(len(group.value["Users"]) if group.value else None, policies)


def trusted_entities(document: str) -> list[str]:
    """Who a trust policy lets assume the role, as AWS's roles list words it."""
    found: list[str] = []
    for statement in _allow_statements(document):
        principal = statement.get("Principal", {})
        if principal == "*":
            found.append("Anyone")
            continue
        for kind, values in principal.items() if isinstance(principal, dict) else []:
            for value in values if isinstance(values, list) else [values]:
                found.append(_entity(kind, str(value)))
    return list(dict.fromkeys(found))


def _entity(kind: str, value: str) -> str:
    if kind == "Service":
        return "AWS Service: " + value.removesuffix(".amazonaws.com")
    if kind == "Federated":
        return (
            "Identity Provider: "
            + value.split(":oidc-provider/", 1)[-1].split(":saml-provider/", 1)[-1]
        )
    if value == "*":
        return "Anyone"
    account = value.split(":")[4] if value.startswith("arn:") else value
    return "Account: " + account


def may_be_switched_to(document: str, account_id: str) -> bool:
    """Whether the trust policy lets principals of ``account_id`` (not only services) in."""
    for statement in _allow_statements(document):
        principal = statement.get("Principal", {})
        aws = principal.get("AWS", []) if isinstance(principal, dict) else principal
        for value in aws if isinstance(aws, list) else [aws]:
            text = str(value)
            if text in ("*", account_id) or text.startswith(f"arn:aws:iam::{account_id}:"):
                return True
    return False


def _allow_statements(document: str) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(document)
    except ValueError:
        return []
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    return [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]
