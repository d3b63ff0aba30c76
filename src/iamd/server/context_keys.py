"""The condition keys a request carries, as AWS puts them in the request context.

In: the operation context (clock, caller, HTTP origin), the action and its input,
and the resource ARN. Out: a mapping of key name → value(s) for
`iamd.policy.RequestContext`. Keys derived from the principal (`aws:username`,
`aws:PrincipalTag/…`, …) are added by the policy library itself; the keys of
temporary credentials (`aws:TokenIssueTime`, `aws:MultiFactorAuthPresent`,
`aws:MultiFactorAuthAge`, `aws:SourceIdentity`, `aws:FederatedProvider`) come from
the caller's session, see `session_keys`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from iamd.arn import parse_arn
from iamd.auth.caller import Caller
from iamd.operation import OperationContext
from iamd.store import tags as tag_store
from iamd.store.schema import managed_policies, roles, users

ContextKeys = dict[str, str | list[str]]

# Input members whose value AWS exposes as a service-specific condition key.
_MEMBER_KEYS = {
    "PermissionsBoundary": "iam:PermissionsBoundary",
    "PolicyArn": "iam:PolicyARN",
    "AWSServiceName": "iam:AWSServiceName",
}


def request_keys(
    ctx: OperationContext,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    resource: str,
    with_resource_tags: bool,
) -> ContextKeys:
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
    if with_resource_tags:
        keys.update(_resource_tag_keys(ctx, resource))
    return keys


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
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _resource_tag_keys(ctx: OperationContext, resource: str) -> ContextKeys:
    """``aws:ResourceTag/…`` and ``iam:ResourceTag/…`` of the entity acted on."""
    entity = _tagged_entity(ctx, resource)
    if entity is None:
        return {}
    keys: ContextKeys = {}
    for key, value in tag_store.tags_of(ctx.conn, *entity):
        keys[f"aws:ResourceTag/{key}"] = value
        keys[f"iam:ResourceTag/{key}"] = value
    return keys


def _tagged_entity(ctx: OperationContext, resource: str) -> tuple[str, str] | None:
    arn = parse_arn(resource)
    if arn is None or arn.service != "iam" or arn.account != ctx.account_id:
        return None
    kind, _, rest = arn.resource.partition("/")
    name = rest.rsplit("/", 1)[-1]
    if kind == "user":
        query = select(users.c.id).where(
            users.c.account_id == ctx.account_id, users.c.name_lower == name.lower()
        )
    elif kind == "role":
        query = select(roles.c.id).where(
            roles.c.account_id == ctx.account_id, roles.c.name_lower == name.lower()
        )
    elif kind == "policy":
        query = select(managed_policies.c.id).where(managed_policies.c.arn == resource)
    else:
        return None
    entity_id = ctx.conn.execute(query).scalar_one_or_none()
    return (kind, str(entity_id)) if entity_id is not None else None
