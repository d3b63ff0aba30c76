"""IAM instance profiles: create, read, list, delete, the role each holds, and tags.

The ``InstanceProfile`` shape always carries ``Roles`` (each role with the six core
members, as AWS shows them); GetInstanceProfile adds ``Tags`` even when empty, while
CreateInstanceProfile shows them only when given and the lists never do.
"""

from __future__ import annotations

from collections.abc import Sequence

from iamd import ids
from iamd.arn import iam_arn
from iamd.iam.roles import check_modifiable, role_summary
from iamd.iam.tagging import tag_operations, tags_input, tags_output
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.store import instance_profiles as profiles
from iamd.store import roles, tags
from iamd.store.instance_profiles import InstanceProfile
from iamd.store.pages import DEFAULT_MAX_ITEMS, Page

TAG_KIND = "instance-profile"


def profile_arn(ctx: OperationContext, profile: InstanceProfile) -> str:
    return iam_arn(
        profile.account_id, "instance-profile", profile.path, profile.name, partition=ctx.partition
    )


def profile_output(ctx: OperationContext, profile: InstanceProfile, held: Output | None) -> Output:
    """The ``InstanceProfile`` shape; ``held`` is its role's summary, if it holds one."""
    return {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.profile_id,
        "Arn": profile_arn(ctx, profile),
        "CreateDate": profile.created_at,
        "Roles": [held] if held is not None else [],
    }


def profiles_output(ctx: OperationContext, page: Sequence[InstanceProfile]) -> list[Output]:
    held = profiles.roles_of(ctx.conn, [profile.profile_id for profile in page])
    outputs = []
    for profile in page:
        role = held.get(profile.profile_id)
        summary = role_summary(ctx, role) if role is not None else None
        outputs.append(profile_output(ctx, profile, summary))
    return outputs


def page_output(ctx: OperationContext, page: Page[InstanceProfile]) -> Output:
    return list_output("InstanceProfiles", profiles_output(ctx, page.items), page)


def target_profile(ctx: OperationContext, params: Params) -> InstanceProfile:
    return profiles.get_profile(ctx.conn, ctx.account_id, params["InstanceProfileName"])


def create_instance_profile(ctx: OperationContext, params: Params) -> Output:
    new_tags = tags_input(params)
    tags.check_unique_keys(new_tags)
    profile = InstanceProfile(
        profile_id=ids.entity_id(ids.INSTANCE_PROFILE),
        account_id=ctx.account_id,
        name=params["InstanceProfileName"],
        path=params.get("Path") or "/",
        created_at=ctx.now,
    )
    profiles.insert_profile(ctx.conn, profile)
    output = profile_output(ctx, profile, None)
    if new_tags:
        tags.add_tags(ctx.conn, ctx.account_id, TAG_KIND, profile.profile_id, new_tags)
        output["Tags"] = tags_output(new_tags)
    return {"InstanceProfile": output}


def get_instance_profile(ctx: OperationContext, params: Params) -> Output:
    profile = target_profile(ctx, params)
    output = profiles_output(ctx, [profile])[0]
    output["Tags"] = tags_output(tags.tags_of(ctx.conn, TAG_KIND, profile.profile_id))
    return {"InstanceProfile": output}


def list_instance_profiles(ctx: OperationContext, params: Params) -> Output:
    page = profiles.list_profiles(
        ctx.conn,
        ctx.account_id,
        path_prefix=params.get("PathPrefix") or "/",
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return page_output(ctx, page)


def list_instance_profiles_for_role(ctx: OperationContext, params: Params) -> Output:
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    page = profiles.list_profiles_for_role(
        ctx.conn,
        role.role_id,
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return page_output(ctx, page)


def delete_instance_profile(ctx: OperationContext, params: Params) -> Output:
    profile = target_profile(ctx, params)
    profiles.delete_profile(ctx.conn, profile)
    tags.drop_all_tags(ctx.conn, TAG_KIND, profile.profile_id)
    return {}


def add_role_to_instance_profile(ctx: OperationContext, params: Params) -> Output:
    profile = target_profile(ctx, params)
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    check_modifiable(role)
    profiles.add_role(ctx.conn, profile, role)
    return {}


def remove_role_from_instance_profile(ctx: OperationContext, params: Params) -> Output:
    profile = target_profile(ctx, params)
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    check_modifiable(role)
    profiles.remove_role(ctx.conn, profile, role)
    return {}


OPERATIONS: OperationTable = {
    "CreateInstanceProfile": create_instance_profile,
    "GetInstanceProfile": get_instance_profile,
    "ListInstanceProfiles": list_instance_profiles,
    "ListInstanceProfilesForRole": list_instance_profiles_for_role,
    "DeleteInstanceProfile": delete_instance_profile,
    "AddRoleToInstanceProfile": add_role_to_instance_profile,
    "RemoveRoleFromInstanceProfile": remove_role_from_instance_profile,
    **tag_operations(
        "InstanceProfile", TAG_KIND, lambda ctx, params: target_profile(ctx, params).profile_id
    ),
}
