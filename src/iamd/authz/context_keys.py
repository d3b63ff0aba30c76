"""The condition keys a request carries, as AWS puts them in the request context.

In: the call's context (clock, caller, HTTP origin) and its input. Out: a mapping
of key name → value(s) for `iamd.policy.RequestContext`.
Keys derived from the principal (`aws:username`,
`aws:PrincipalTag/…`, …) are added by the policy library itself; the keys of
temporary credentials (`aws:TokenIssueTime`, `aws:MultiFactorAuthPresent`,
`aws:MultiFactorAuthAge`, `aws:SourceIdentity`, `aws:FederatedProvider`) come from
the caller's session, see `session_keys`; a resource's tags are resolved lazily,
see `resource_tags`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from iamd.auth.caller import Caller
from iamd.authz.call import CallContext
from iamd.authz.entities import Stored
from iamd.policy.context import KeyResolver
from iamd.store import tags as tag_store

ContextKeys = dict[str, str | list[str]]

_RESOURCE_TAG_PREFIXES = frozenset({"aws:resourcetag", "iam:resourcetag"})

# Input members whose value AWS exposes as a service-specific condition key.
_MEMBER_KEYS = {
    "PermissionsBoundary": "iam:PermissionsBoundary",
    "PolicyArn": "iam:PolicyARN",
    "AWSServiceName": "iam:AWSServiceName",
}


def request_keys(ctx: CallContext, params: Mapping[str, Any]) -> ContextKeys:
    """The keys every request carries, and those its input sets."""
    keys: ContextKeys = {
        "aws:CurrentTime": iso_time(ctx.now),
        "aws:EpochTime": str(int(ctx.now.timestamp())),
        "aws:SourceIp": ctx.meta.source_ip,
        "aws:SecureTransport": "true" if ctx.meta.secure_transport else "false",
        "aws:UserAgent": ctx.meta.user_agent,
        "aws:RequestedRegion": ctx.region,
    }
    keys.update(session_keys(ctx.caller, ctx.now))
    for member, key in _MEMBER_KEYS.items():
        if params.get(member):
            keys[key] = str(params[member])
    keys.update(_request_tag_keys(params))
    return keys


def resource_tags(conn: Connection, stored: Stored | None) -> KeyResolver | None:
    """``aws:ResourceTag/…`` and ``iam:ResourceTag/…`` of a stored entity, read on first use.

    Whichever policy reads them (identity, boundary, session or trust), the tags are
    there; a request no policy asks about never reads them.
    """
    if stored is None:
        return None
    loaded: dict[str, str] | None = None

    def resolve(key: str) -> str | None:
        nonlocal loaded
        prefix, slash, tag_key = key.partition("/")
        if not slash or prefix not in _RESOURCE_TAG_PREFIXES:
            return None
        if loaded is None:
            pairs = tag_store.tags_of(conn, stored.resource_type, stored.entity_id)
            loaded = {name.lower(): value for name, value in pairs}
        return loaded.get(tag_key)

    return resolve


def session_keys(caller: Caller, now: datetime) -> ContextKeys:
    """The keys temporary credentials add; long-term keys have none of them (AWS)."""
    session = caller.session
    if session is None:
        return {}
    keys: ContextKeys = {
        "aws:TokenIssueTime": iso_time(session.issued_at),
        "aws:MultiFactorAuthPresent": "true" if session.mfa_at is not None else "false",
    }
    if session.mfa_at is not None:
        keys["aws:MultiFactorAuthAge"] = str(max(0, int((now - session.mfa_at).total_seconds())))
    if session.source_identity:
        keys["aws:SourceIdentity"] = session.source_identity
    if session.provider_arn:
        keys["aws:FederatedProvider"] = session.provider_arn
    return keys


def iso_time(value: datetime) -> str:
    """A date as AWS writes it in the request context: ``2014-05-07T23:47:00Z``."""
    if value.year < 1000:  # strftime writes such a year unpadded; isoformat would pad it
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _request_tag_keys(params: Mapping[str, Any]) -> ContextKeys:
    keys: ContextKeys = {}
    tag_keys: list[str] = []
    for tag in params.get("Tags") or []:
        keys[f"aws:RequestTag/{tag['Key']}"] = str(tag["Value"])
        tag_keys.append(str(tag["Key"]))
    tag_keys += [str(key) for key in params.get("TagKeys") or []]
    if tag_keys:
        keys["aws:TagKeys"] = tag_keys
    return keys
