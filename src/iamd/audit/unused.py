"""What has not been used: the other half of least privilege.

In: an account, a number of days N, the store and the time. Out: findings, one per
thing that could go — each a dict with ``kind``, the ARN or id, and when it was last
used (absent: never, as far as the trail and the store know):

- ``user`` / ``role``: no call (nor console sign-in, for a user) in the last N days;
- ``access-key``: not used for N days (the key's own last-used time);
- ``password``: a console password not used for N days;
- ``service``: a service a user's or role's policies allow that it has not called in N
  days; ``action``: the same for each action of the services the trail records
  (`advisor.TRACKED_SERVICES`).

Only what is older than N days is reported: a user created yesterday is not unused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from iamd.arn import iam_arn
from iamd.audit.advisor import SUFFIX, TRACKED_SERVICES
from iamd.audit.granted import allowed_actions, allowed_services
from iamd.store import access_keys, login_profiles, roles, users
from iamd.store.attachments import identity_policies
from iamd.store.audit_events import last_accesses, latest_activity

Finding = dict[str, Any]
_PAGE = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unused(conn: Connection, account_id: str, *, days: int, now: datetime) -> list[Finding]:
    cutoff = now - timedelta(days=days)
    principals = list(_principals(conn, account_id))
    ids = [entity_id for _, entity_id, _, _ in principals]
    active = latest_activity(conn, ids, since=cutoff)
    findings: list[Finding] = []
    for kind, entity_id, arn, created_at in principals:
        if created_at < cutoff and entity_id not in active:
            findings.append({"kind": kind, "arn": arn, **_when(_ever(conn, entity_id))})
        findings += _unused_grants(conn, account_id, kind, entity_id, arn, cutoff)
        if kind == "user":
            findings += _unused_credentials(conn, account_id, entity_id, arn, cutoff)
    findings += _unused_keys(conn, account_id, None, f"arn:aws:iam::{account_id}:root", cutoff)
    return findings


def _principals(conn: Connection, account_id: str) -> Iterator[tuple[str, str, str, datetime]]:
    """(kind, unique id, ARN, created) of every user and role of the account."""
    marker: str | None = None
    while True:
        page = users.list_users(conn, account_id, path_prefix="/", marker=marker, limit=_PAGE)
        for user in page.items:
            arn = iam_arn(account_id, "user", user.path, user.name)
            yield "user", user.user_id, arn, user.created_at
        if (marker := page.next_marker) is None:
            break
    while True:
        found = roles.list_roles(conn, account_id, path_prefix="/", marker=marker, limit=_PAGE)
        for role in found.items:
            arn = iam_arn(account_id, "role", role.path, role.name)
            yield "role", role.role_id, arn, role.created_at
        if (marker := found.next_marker) is None:
            break


def _ever(conn: Connection, entity_id: str) -> datetime | None:
    return latest_activity(conn, [entity_id], since=_EPOCH).get(entity_id)


def _unused_grants(
    conn: Connection, account_id: str, kind: str, entity_id: str, arn: str, cutoff: datetime
) -> list[Finding]:
    documents = [p.document for p in identity_policies(conn, account_id, kind, entity_id)]
    used = last_accesses(conn, [entity_id], since=cutoff)
    services = {access.event_source.removesuffix(SUFFIX) for access in used}
    findings: list[Finding] = []
    for namespace in sorted(allowed_services(documents)):
        if namespace not in services:
            findings.append({"kind": "service", "arn": arn, "service": namespace})
        if namespace not in TRACKED_SERVICES:
            continue
        actions = {a.event_name for a in used if a.event_source == namespace + SUFFIX}
        for action in allowed_actions(documents, namespace):
            if action not in actions:
                findings.append({"kind": "action", "arn": arn, "action": f"{namespace}:{action}"})
    return findings


def _unused_credentials(
    conn: Connection, account_id: str, user_id: str, arn: str, cutoff: datetime
) -> list[Finding]:
    findings = _unused_keys(conn, account_id, user_id, arn, cutoff)
    profile = login_profiles.find_profile(conn, user_id)
    user = users.get_user_by_id(conn, user_id)
    if profile is not None and user is not None and profile.created_at < cutoff:
        last = user.password_last_used
        if last is None or last < cutoff:
            findings.append({"kind": "password", "arn": arn, **_when(last)})
    return findings


def _unused_keys(
    conn: Connection, account_id: str, user_id: str | None, arn: str, cutoff: datetime
) -> list[Finding]:
    findings: list[Finding] = []
    for key in access_keys.keys_of(conn, account_id, user_id):
        last = key.last_used_at
        if key.created_at < cutoff and (last is None or last < cutoff):
            entry = {"kind": "access-key", "arn": arn, "accessKeyId": key.access_key_id}
            findings.append({**entry, "status": key.status, **_when(last)})
    return findings


def _when(last: datetime | None) -> dict[str, str]:
    return {"lastUsed": last.isoformat()} if last is not None else {}
