"""ListPolicies: the account's own policies and AWS's catalog, merged into one sorted list.

Both sides are ordered by the key (lower-case name, ARN) and paged by keyset: the
marker is the key of the last policy sent. The account's side is one indexed query
from the key on; the catalog's is a binary search in a list sorted once per process.
So a page costs the same whether it is the first or the sixteenth, and a policy created
or deleted between pages neither repeats nor hides the others.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator
from functools import cache

from iamd.errors import ValidationError
from iamd.operation import OperationContext, Output, Params
from iamd.store import attachments as usage
from iamd.store import policies as store
from iamd.store.catalog import AwsManagedPolicy, aws_managed_policies
from iamd.store.pages import DEFAULT_MAX_ITEMS, decode_marker, encode_marker
from iamd.store.policies import ManagedPolicy

Key = tuple[str, str]


def policy_output(policy: ManagedPolicy, counts: tuple[int, int]) -> Output:
    """The ``Policy`` shape without Description and Tags, as ListPolicies answers it."""
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": counts[0],
        "PermissionsBoundaryUsageCount": counts[1],
        "IsAttachable": True,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }


def key_of(policy: ManagedPolicy) -> Key:
    return (policy.name.lower(), policy.arn)


def list_policies(ctx: OperationContext, params: Params) -> Output:
    scope = params.get("Scope") or "All"
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    after = _marker_key(params.get("Marker"))
    usages = _usages(params)
    sides: list[Iterator[ManagedPolicy]] = []
    if scope != "AWS":
        sides.append(iter(_local(ctx, params, after, limit + 1, usages)))
    if scope != "Local":
        sides.append(_aws(ctx, params, after, usages))
    merged = heapq.merge(*sides, key=key_of)
    page = [policy for _, policy in zip(range(limit + 1), merged, strict=False)]
    output: Output = {"Policies": _outputs(ctx, page[:limit]), "IsTruncated": len(page) > limit}
    if len(page) > limit:
        name, arn = key_of(page[limit - 1])
        output["Marker"] = encode_marker(f"{name}\n{arn}")
    return output


def _marker_key(marker: str | None) -> Key | None:
    key = decode_marker(marker)
    if key is None:
        return None
    if "\n" not in key:
        raise ValidationError("Invalid Marker.")
    name, arn = key.split("\n", 1)
    return (name, arn)


def _usages(params: Params) -> set[str] | None:
    """The uses OnlyAttached asks for (None: every policy); PolicyUsageFilter narrows them."""
    if not params.get("OnlyAttached"):
        return None
    chosen = params.get("PolicyUsageFilter")
    return {chosen} if chosen else {usage.PERMISSIONS, usage.BOUNDARY}


def _local(
    ctx: OperationContext, params: Params, after: Key | None, limit: int, usages: set[str] | None
) -> list[ManagedPolicy]:
    where = [] if usages is None else [usage.in_use_condition(ctx.account_id, usages)]
    return store.list_local(
        ctx.conn,
        ctx.account_id,
        path_prefix=params.get("PathPrefix") or "/",
        after=after,
        limit=limit,
        where=where,
    )


def _aws(
    ctx: OperationContext, params: Params, after: Key | None, usages: set[str] | None
) -> Iterator[ManagedPolicy]:
    """AWS managed policies after the key, lazily: the merge takes only what it needs."""
    path_prefix = params.get("PathPrefix") or "/"
    candidates = _sorted_catalog()
    start = bisect.bisect_left(_catalog_names(), after[0]) if after else 0
    used = None if usages is None else _used_aws_arns(ctx, usages)
    for aws in candidates[start:]:
        if not aws.path.startswith(path_prefix) or (used is not None and aws.arn not in used):
            continue
        policy = store.from_catalog(aws, ctx.partition)
        if after is None or key_of(policy) > after:
            yield policy


def _used_aws_arns(ctx: OperationContext, usages: set[str]) -> set[str]:
    """The catalog ARNs (partition ``aws``) of the AWS policies this account uses."""
    found = (store.aws_policy(arn) for arn in usage.used_arns(ctx.conn, ctx.account_id, usages))
    return {aws.arn for aws in found if aws is not None}


@cache
def _sorted_catalog() -> list[AwsManagedPolicy]:
    policies = aws_managed_policies().values()
    return sorted(policies, key=lambda aws: (aws.policy_name.lower(), aws.arn))


@cache
def _catalog_names() -> list[str]:
    return [aws.policy_name.lower() for aws in _sorted_catalog()]


def _outputs(ctx: OperationContext, page: list[ManagedPolicy]) -> list[Output]:
    arns = [policy.arn for policy in page]
    attached = usage.attachment_counts(ctx.conn, ctx.account_id, arns)
    boundaries = usage.boundary_counts(ctx.conn, ctx.account_id, arns)
    return [
        policy_output(policy, (attached.get(policy.arn, 0), boundaries.get(policy.arn, 0)))
        for policy in page
    ]
