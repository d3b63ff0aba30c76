"""Managed policies: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, their versions
(Create/Get/List/DeletePolicyVersion, SetDefaultPolicyVersion) and their tags.

A policy ARN names either one of the account's own policies (``arn:…:iam::<acct>:policy/…``)
or an AWS managed policy from the catalog (``arn:…:iam::aws:policy/…``), which every
account sees and none may change. Documents are kept as the client sent them.
"""

from __future__ import annotations

from iamd import ids
from iamd.arn import parse_arn
from iamd.errors import AccessDenied, LimitExceeded, NoSuchEntity, ValidationError
from iamd.iam.policy_listing import list_policies, policy_output
from iamd.iam.tagging import paged_tags, tags_input, tags_output
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.policy import policy_size, validate_policy
from iamd.store import attachments as usage
from iamd.store import policies as store
from iamd.store.catalog_versions import aws_policy_versions
from iamd.store.pages import DEFAULT_MAX_ITEMS, decode_marker, encode_marker
from iamd.store.policies import ManagedPolicy, PolicyVersion

MAX_POLICY_SIZE = 6144


def policy_arn(ctx: OperationContext, path: str, name: str) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account_id}:policy{path}{name}"


def checked_arn(arn: str) -> str:
    """AWS's ValidationError for a PolicyArn that is not an ARN at all (e.g. a name)."""
    if parse_arn(arn) is None:
        raise ValidationError(f"ARN {arn} is not valid.")
    return arn


def resolve(ctx: OperationContext, arn: str) -> ManagedPolicy:
    """The AWS managed or own policy the ARN names, else AWS's "was not found"."""
    return store.resolve_policy(ctx.conn, ctx.account_id, checked_arn(arn), partition=ctx.partition)


def own_policy(
    ctx: OperationContext, arn: str, refusal: str, *, lock: bool = False
) -> ManagedPolicy:
    """The account's own policy to change; AWS's (or another account's) is AccessDenied.

    ``lock``: hold its row (`iamd.store.locks`) for a change that checks what it holds.
    """
    parsed = parse_arn(checked_arn(arn))
    if parsed is not None and parsed.account != ctx.account_id:
        raise AccessDenied(f"{refusal} outside your own account.")
    policy = store.get_policy(ctx.conn, ctx.account_id, arn)
    return store.held(ctx.conn, policy) if lock else policy


def usage_counts(ctx: OperationContext, arn: str) -> tuple[int, int]:
    attached = usage.attachment_counts(ctx.conn, ctx.account_id, [arn]).get(arn, 0)
    boundaries = usage.boundary_counts(ctx.conn, ctx.account_id, [arn]).get(arn, 0)
    return attached, boundaries


def checked_document(params: Params) -> str:
    document: str = params["PolicyDocument"]
    validate_policy(document, "managed")
    if policy_size(document) > MAX_POLICY_SIZE:
        raise LimitExceeded(f"Cannot exceed quota for PolicySize: {MAX_POLICY_SIZE}")
    return document


# --- policies ---------------------------------------------------------------------------


def create_policy(ctx: OperationContext, params: Params) -> Output:
    document = checked_document(params)
    new_tags = tags_input(params)
    store.check_unique_keys(new_tags)
    path, name = params.get("Path") or "/", params["PolicyName"]
    policy = ManagedPolicy(
        policy_id=ids.entity_id(ids.POLICY),
        account_id=ctx.account_id,
        arn=policy_arn(ctx, path, name),
        name=name,
        path=path,
        description=params.get("Description"),
        default_version_id="v1",
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    store.insert_policy(ctx.conn, policy, document)
    output = policy_output(policy, (0, 0))
    if new_tags:
        store.add_policy_tags(ctx.conn, ctx.account_id, policy.policy_id, new_tags)
        output["Tags"] = tags_output(new_tags)
    return {"Policy": output}


def get_policy(ctx: OperationContext, params: Params) -> Output:
    policy = resolve(ctx, params["PolicyArn"])
    output = policy_output(policy, usage_counts(ctx, policy.arn))
    if policy.description:
        output["Description"] = policy.description
    pairs = [] if policy.is_aws else store.policy_tags(ctx.conn, policy.policy_id)
    output["Tags"] = tags_output(pairs)
    return {"Policy": output}


def delete_policy(ctx: OperationContext, params: Params) -> Output:
    refusal = "Cannot delete policies"
    policy = own_policy(ctx, params["PolicyArn"], refusal, lock=True)
    in_use = usage.is_in_use(ctx.conn, ctx.account_id, policy.arn)
    store.delete_policy(ctx.conn, policy, is_in_use=in_use)
    return {}


# --- versions ---------------------------------------------------------------------------


def version_output(
    version: PolicyVersion, default_version_id: str, *, with_document: bool
) -> Output:
    output: Output = {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == default_version_id,
        "CreateDate": version.created_at,
    }
    if with_document:
        output["Document"] = version.document
    return output


def known_versions(ctx: OperationContext, arn: str) -> tuple[list[PolicyVersion], str]:
    """A policy's versions, newest first, and its default; AWS's come from the catalog."""
    policy = resolve(ctx, arn)
    aws = store.aws_policy(arn) if policy.is_aws else None
    if aws is not None:
        versions = [
            PolicyVersion(version.version_id, version.document, version.create_date)
            for version in aws_policy_versions(aws)
        ]
        return versions, aws.default_version_id
    return store.versions_of(ctx.conn, policy.policy_id), policy.default_version_id


def create_policy_version(ctx: OperationContext, params: Params) -> Output:
    refusal = "Cannot create versions for policies"
    policy = own_policy(ctx, params["PolicyArn"], refusal, lock=True)
    document = checked_document(params)
    is_default = bool(params.get("SetAsDefault"))
    version = store.add_version(ctx.conn, policy, document, ctx.now, set_default=is_default)
    default_id = version.version_id if is_default else policy.default_version_id
    return {"PolicyVersion": version_output(version, default_id, with_document=False)}


def get_policy_version(ctx: OperationContext, params: Params) -> Output:
    arn, version_id = params["PolicyArn"], params["VersionId"]
    try:
        versions, default_id = known_versions(ctx, arn)
    except NoSuchEntity:
        raise store.version_not_found(arn, version_id) from None
    for version in versions:
        if version.version_id == version_id:
            return {"PolicyVersion": version_output(version, default_id, with_document=True)}
    raise store.version_not_found(arn, version_id)


def list_policy_versions(ctx: OperationContext, params: Params) -> Output:
    versions, default_id = known_versions(ctx, params["PolicyArn"])
    after = decode_marker(params.get("Marker"))
    if after is not None and after[1:].isascii() and after[1:].isdigit():
        versions = [v for v in versions if store.version_number(v.version_id) < int(after[1:])]
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    page = versions[:limit]
    output: Output = {
        "Versions": [version_output(v, default_id, with_document=False) for v in page],
        "IsTruncated": len(versions) > limit,
    }
    if len(versions) > limit:
        output["Marker"] = encode_marker(page[-1].version_id)
    return output


def delete_policy_version(ctx: OperationContext, params: Params) -> Output:
    refusal = "Cannot delete policy versions for policies"
    arn, version_id = params["PolicyArn"], params["VersionId"]
    policy = own_version_owner(ctx, arn, version_id, refusal)
    store.delete_version(ctx.conn, policy, version_id)
    return {}


def set_default_policy_version(ctx: OperationContext, params: Params) -> Output:
    refusal = "Cannot update policies"
    arn, version_id = params["PolicyArn"], params["VersionId"]
    policy = own_version_owner(ctx, arn, version_id, refusal)
    store.set_default_version(ctx.conn, policy, version_id)
    return {}


def own_version_owner(
    ctx: OperationContext, arn: str, version_id: str, refusal: str
) -> ManagedPolicy:
    """The locked policy whose version is changed; a missing one names the version."""
    try:
        return own_policy(ctx, arn, refusal, lock=True)
    except NoSuchEntity:
        raise store.version_not_found(arn, version_id) from None


# --- tags -------------------------------------------------------------------------------


def tag_policy(ctx: OperationContext, params: Params) -> Output:
    policy = own_policy(ctx, params["PolicyArn"], "Cannot tag policies")
    store.add_policy_tags(ctx.conn, ctx.account_id, policy.policy_id, tags_input(params))
    return {}


def untag_policy(ctx: OperationContext, params: Params) -> Output:
    policy = own_policy(ctx, params["PolicyArn"], "Cannot untag policies")
    store.remove_policy_tags(ctx.conn, policy.policy_id, params["TagKeys"])
    return {}


def list_policy_tags(ctx: OperationContext, params: Params) -> Output:
    """AWS lists a policy's tags shortest key first, then by key (``a``, ``b``, ``abc``)."""
    policy = resolve(ctx, params["PolicyArn"])
    if policy.is_aws:
        return paged_tags([], params)
    pairs = store.policy_tags(ctx.conn, policy.policy_id)
    return paged_tags(sorted(pairs, key=lambda pair: (len(pair[0]), pair[0])), params)


OPERATIONS: OperationTable = {
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "ListPolicies": list_policies,
    "DeletePolicy": delete_policy,
    "CreatePolicyVersion": create_policy_version,
    "GetPolicyVersion": get_policy_version,
    "ListPolicyVersions": list_policy_versions,
    "DeletePolicyVersion": delete_policy_version,
    "SetDefaultPolicyVersion": set_default_policy_version,
    "TagPolicy": tag_policy,
    "UntagPolicy": untag_policy,
    "ListPolicyTags": list_policy_tags,
}
