"""GetAccountAuthorizationDetails: every user, group, role and managed policy of the
account with what each carries (inline documents, attachments, tags, memberships,
instance profiles, every policy version), in one answer paged across kinds.

Kinds come in a fixed order — users, groups, roles, the account's own policies, then
the AWS managed policies it uses — each by lower-cased name (AWS managed policies by
ARN). A marker names the kind and the sort key of the last entity sent, so MaxItems
counts entities of every kind and the next page resumes where this one stopped.
AWS managed policies appear only while attached or used as a boundary, as in AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from iamd.arn import iam_arn
from iamd.errors import ValidationError
from iamd.iam.tagging import tags_output
from iamd.iam.users import boundary_output
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import authorization_details as details
from iamd.store.authorization_details import CustomerPolicy, InlinePolicy
from iamd.store.catalog import AwsManagedPolicy, aws_managed_policies
from iamd.store.catalog_versions import aws_policy_versions
from iamd.store.groups import Group
from iamd.store.pages import decode_marker, encode_marker
from iamd.store.roles import Role
from iamd.store.users import User

KINDS = ("User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy")
DEFAULT_MAX_ITEMS = 100

Entity = User | Group | Role | CustomerPolicy | AwsManagedPolicy
Fetcher = Callable[[OperationContext, str | None, int], list[tuple[str, Entity]]]


@dataclass(frozen=True)
class Picked:
    kind_index: int
    sort_key: str
    entity: Entity


# --- Paging across kinds ---------------------------------------------------------------


def _users(ctx: OperationContext, after: str | None, limit: int) -> list[tuple[str, Entity]]:
    found = details.users_after(ctx.conn, ctx.account_id, after, limit)
    return [(user.name.lower(), user) for user in found]


def _groups(ctx: OperationContext, after: str | None, limit: int) -> list[tuple[str, Entity]]:
    found = details.groups_after(ctx.conn, ctx.account_id, after, limit)
    return [(group.name.lower(), group) for group in found]


def _roles(ctx: OperationContext, after: str | None, limit: int) -> list[tuple[str, Entity]]:
    found = details.roles_after(ctx.conn, ctx.account_id, after, limit)
    return [(role.name.lower(), role) for role in found]


def _local(ctx: OperationContext, after: str | None, limit: int) -> list[tuple[str, Entity]]:
    found = details.customer_policies_after(ctx.conn, ctx.account_id, after, limit)
    return [(policy.name.lower(), policy) for policy in found]


def _aws(ctx: OperationContext, after: str | None, limit: int) -> list[tuple[str, Entity]]:
    catalog = aws_managed_policies()
    arns = details.aws_policy_arns_in_use(ctx.conn, ctx.account_id)
    chosen = [arn for arn in arns if arn in catalog and (after is None or arn > after)]
    return [(arn, catalog[arn]) for arn in chosen[:limit]]


FETCHERS: tuple[Fetcher, ...] = (_users, _groups, _roles, _local, _aws)


def read_marker(marker: str | None) -> tuple[int, str | None]:
    """(kind index, sort key) a marker resumes after; no marker: the very start."""
    decoded = decode_marker(marker)
    if decoded is None:
        return 0, None
    index, _, key = decoded.partition(":")
    if not (index.isascii() and index.isdigit()) or int(index) >= len(KINDS):
        raise ValidationError("Invalid Marker.")
    return int(index), key


def pick(
    ctx: OperationContext, kinds: set[str], marker: str | None, limit: int
) -> tuple[list[Picked], str | None]:
    """Up to ``limit`` entities after the marker, and the marker for the rest."""
    start, after = read_marker(marker)
    picked: list[Picked] = []
    for index in range(start, len(KINDS)):
        wanted = limit + 1 - len(picked)
        if wanted <= 0:
            break
        if KINDS[index] in kinds:
            resume = after if index == start else None
            found = FETCHERS[index](ctx, resume, wanted)
            picked += [Picked(index, key, entity) for key, entity in found]
    if len(picked) <= limit:
        return picked, None
    last = picked[limit - 1]
    return picked[:limit], encode_marker(f"{last.kind_index}:{last.sort_key}")


# --- Output shapes ---------------------------------------------------------------------


def inline_output(policies: Sequence[InlinePolicy]) -> list[Output]:
    return [{"PolicyName": p.name, "PolicyDocument": p.document} for p in policies]


def attached_output(ctx: OperationContext, arns: Sequence[str]) -> list[Output]:
    catalog = aws_managed_policies()
    names = details.customer_policy_names(ctx.conn, ctx.account_id, arns)
    return [
        {
            "PolicyName": catalog[arn].policy_name if arn in catalog else names.get(arn, ""),
            "PolicyArn": arn,
        }
        for arn in arns
    ]


def user_details(ctx: OperationContext, users: Sequence[User]) -> list[Output]:
    ids = [user.user_id for user in users]
    if not ids:
        return []
    inline = details.inline_policies_of(ctx.conn, "user", ids)
    attached = details.attached_arns_of(ctx.conn, "user", ids)
    user_tags = details.tags_of(ctx.conn, "user", ids)
    group_names = details.group_names_of(ctx.conn, ids)
    outputs = []
    for user in users:
        output: Output = {
            "Path": user.path,
            "UserName": user.name,
            "UserId": user.user_id,
            "Arn": iam_arn(ctx.account_id, "user", user.path, user.name, partition=ctx.partition),
            "CreateDate": user.created_at,
            "GroupList": group_names.get(user.user_id, []),
            "AttachedManagedPolicies": attached_output(ctx, attached.get(user.user_id, [])),
            "Tags": tags_output(user_tags.get(user.user_id, [])),
        }
        if inline.get(user.user_id):  # AWS leaves an empty UserPolicyList out
            output["UserPolicyList"] = inline_output(inline[user.user_id])
        if user.boundary_arn:
            output["PermissionsBoundary"] = boundary_output(user.boundary_arn)
        outputs.append(output)
    return outputs


def group_details(ctx: OperationContext, groups: Sequence[Group]) -> list[Output]:
    ids = [group.group_id for group in groups]
    if not ids:
        return []
    inline = details.inline_policies_of(ctx.conn, "group", ids)
    attached = details.attached_arns_of(ctx.conn, "group", ids)
    return [
        {
            "Path": group.path,
            "GroupName": group.name,
            "GroupId": group.group_id,
            "Arn": iam_arn(
                ctx.account_id, "group", group.path, group.name, partition=ctx.partition
            ),
            "CreateDate": group.created_at,
            "GroupPolicyList": inline_output(inline.get(group.group_id, [])),
            "AttachedManagedPolicies": attached_output(ctx, attached.get(group.group_id, [])),
        }
        for group in groups
    ]


def role_arn(ctx: OperationContext, role: Role) -> str:
    return iam_arn(ctx.account_id, "role", role.path, role.name, partition=ctx.partition)


def role_summary(ctx: OperationContext, role: Role) -> Output:
    """The Role shape inside an instance profile."""
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role_arn(ctx, role),
        "CreateDate": role.created_at,
        "AssumeRolePolicyDocument": role.trust_policy,
    }


def last_used_output(role: Role) -> Output:
    output: Output = {}
    if role.last_used_at is not None:
        output["LastUsedDate"] = role.last_used_at
    if role.last_used_region:
        output["Region"] = role.last_used_region
    return output


def profiles_output(
    ctx: OperationContext, role: Role, profiles: Sequence[details.InstanceProfile]
) -> list[Output]:
    return [
        {
            "Path": profile.path,
            "InstanceProfileName": profile.name,
            "InstanceProfileId": profile.profile_id,
            "Arn": iam_arn(
                ctx.account_id,
                "instance-profile",
                profile.path,
                profile.name,
                partition=ctx.partition,
            ),
            "CreateDate": profile.created_at,
            "Roles": [role_summary(ctx, role)],
        }
        for profile in profiles
    ]


def role_details(ctx: OperationContext, roles: Sequence[Role]) -> list[Output]:
    ids = [role.role_id for role in roles]
    if not ids:
        return []
    inline = details.inline_policies_of(ctx.conn, "role", ids)
    attached = details.attached_arns_of(ctx.conn, "role", ids)
    role_tags = details.tags_of(ctx.conn, "role", ids)
    profiles = details.instance_profiles_of(ctx.conn, ids)
    outputs = []
    for role in roles:
        output: Output = {
            **role_summary(ctx, role),
            "InstanceProfileList": profiles_output(ctx, role, profiles.get(role.role_id, [])),
            "RolePolicyList": inline_output(inline.get(role.role_id, [])),
            "AttachedManagedPolicies": attached_output(ctx, attached.get(role.role_id, [])),
            "Tags": tags_output(role_tags.get(role.role_id, [])),
            "RoleLastUsed": last_used_output(role),
        }
        if role.boundary_arn:
            output["PermissionsBoundary"] = boundary_output(role.boundary_arn)
        outputs.append(output)
    return outputs


def policy_details(
    ctx: OperationContext, local: Sequence[CustomerPolicy], aws: Sequence[AwsManagedPolicy]
) -> list[Output]:
    arns = [policy.arn for policy in local] + [policy.arn for policy in aws]
    if not arns:
        return []
    attachments = details.attachment_counts(ctx.conn, ctx.account_id, arns)
    boundaries = details.boundary_counts(ctx.conn, ctx.account_id, arns)
    versions = details.versions_of(ctx.conn, [policy.policy_id for policy in local])
    outputs = [
        {
            **policy_common(policy.arn, attachments, boundaries),
            **customer_policy_output(policy, versions.get(policy.policy_id, [])),
        }
        for policy in local
    ]
    outputs += [
        {**policy_common(policy.arn, attachments, boundaries), **aws_policy_output(policy)}
        for policy in aws
    ]
    return outputs


def policy_common(
    arn: str, attachments: Mapping[str, int], boundaries: Mapping[str, int]
) -> Output:
    return {
        "Arn": arn,
        "AttachmentCount": attachments.get(arn, 0),
        "PermissionsBoundaryUsageCount": boundaries.get(arn, 0),
        "IsAttachable": True,
    }


def customer_policy_output(
    policy: CustomerPolicy, versions: Sequence[details.PolicyVersion]
) -> Output:
    output: Output = {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
        "PolicyVersionList": [
            {
                "Document": version.document,
                "VersionId": version.version_id,
                "IsDefaultVersion": version.version_id == policy.default_version_id,
                "CreateDate": version.created_at,
            }
            for version in versions
        ],
    }
    if policy.description:
        output["Description"] = policy.description
    return output


def aws_policy_output(policy: AwsManagedPolicy) -> Output:
    versions = [
        {
            "Document": version.document,
            "VersionId": version.version_id,
            "IsDefaultVersion": version.version_id == policy.default_version_id,
            "CreateDate": version.create_date,
        }
        for version in aws_policy_versions(policy)
    ]
    output: Output = {
        "PolicyName": policy.policy_name,
        "PolicyId": policy.policy_id,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
        "PolicyVersionList": versions,
    }
    if policy.description:
        output["Description"] = policy.description
    return output


def get_account_authorization_details(ctx: OperationContext, params: Params) -> Output:
    kinds = set(params.get("Filter") or KINDS)
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    picked, next_marker = pick(ctx, kinds, params.get("Marker"), limit)
    entities = [p.entity for p in picked]
    output: Output = {
        "UserDetailList": user_details(ctx, [e for e in entities if isinstance(e, User)]),
        "GroupDetailList": group_details(ctx, [e for e in entities if isinstance(e, Group)]),
        "RoleDetailList": role_details(ctx, [e for e in entities if isinstance(e, Role)]),
        "Policies": policy_details(
            ctx,
            [e for e in entities if isinstance(e, CustomerPolicy)],
            [e for e in entities if isinstance(e, AwsManagedPolicy)],
        ),
        "IsTruncated": next_marker is not None,
    }
    if next_marker is not None:
        output["Marker"] = next_marker
    return output


OPERATIONS: OperationTable = {
    "GetAccountAuthorizationDetails": get_account_authorization_details,
}
