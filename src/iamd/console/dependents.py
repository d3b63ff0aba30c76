"""What deleting a user, a group, a role or a managed policy takes with it, as a `Plan`.

The order is the one the API's conflict rules need: credentials and memberships,
then policies, then the entity itself. See `iamd.console.deletion`.
"""

from __future__ import annotations

from typing import Any

from iamd.console.actions import Actor
from iamd.console.deletion import Plan
from iamd.errors import NoSuchEntity, ServiceError


def _value(key: str) -> Any:
    return lambda item: item[key]


def user_plan(act: Actor, name: str) -> Plan:
    plan = Plan()
    who = {"UserName": name}
    if _has_login_profile(plan, act, name):
        plan.add("Delete the console password", "DeleteLoginProfile", **who)
    keys = plan.listed(act, "ListAccessKeys", who, "AccessKeyMetadata")
    plan.each(
        keys,
        lambda k: f"Delete access key {k['AccessKeyId']}",
        "DeleteAccessKey",
        AccessKeyId=_value("AccessKeyId"),
        **who,
    )
    certificates = plan.listed(act, "ListSigningCertificates", who, "Certificates")
    plan.each(
        certificates,
        lambda c: f"Delete signing certificate {c['CertificateId']}",
        "DeleteSigningCertificate",
        CertificateId=_value("CertificateId"),
        **who,
    )
    ssh_keys = plan.listed(act, "ListSSHPublicKeys", who, "SSHPublicKeys")
    plan.each(
        ssh_keys,
        lambda k: f"Delete SSH public key {k['SSHPublicKeyId']}",
        "DeleteSSHPublicKey",
        SSHPublicKeyId=_value("SSHPublicKeyId"),
        **who,
    )
    _service_credentials(plan, act, name)
    _mfa_devices(plan, act, name)
    groups = plan.listed(act, "ListGroupsForUser", who, "Groups")
    plan.each(
        groups,
        lambda g: f"Remove from group {g['GroupName']}",
        "RemoveUserFromGroup",
        GroupName=_value("GroupName"),
        **who,
    )
    _policies(plan, act, "User", who)
    plan.add(f"Delete the user {name}", "DeleteUser", **who)
    return plan


def _has_login_profile(plan: Plan, act: Actor, name: str) -> bool:
    try:
        act("GetLoginProfile", {"UserName": name})
    except NoSuchEntity:
        return False
    except ServiceError as error:
        plan.unlisted.append(error)
        return False
    return True


def _service_credentials(plan: Plan, act: Actor, name: str) -> None:
    who = {"UserName": name}
    try:
        found = act("ListServiceSpecificCredentials", who)["ServiceSpecificCredentials"]
    except ServiceError as error:
        plan.unlisted.append(error)
        return
    plan.each(
        found,
        lambda c: f"Delete {c['ServiceName']} credential {c['ServiceUserName']}",
        "DeleteServiceSpecificCredential",
        ServiceSpecificCredentialId=_value("ServiceSpecificCredentialId"),
        **who,
    )


def _mfa_devices(plan: Plan, act: Actor, name: str) -> None:
    """Deactivate each device; delete the virtual ones, as AWS's console does."""
    who = {"UserName": name}
    for device in plan.listed(act, "ListMFADevices", who, "MFADevices"):
        serial = device["SerialNumber"]
        plan.add(
            f"Deactivate MFA device {serial}", "DeactivateMFADevice", SerialNumber=serial, **who
        )
        if ":mfa/" in serial:
            plan.add(
                f"Delete virtual MFA device {serial}", "DeleteVirtualMFADevice", SerialNumber=serial
            )


def _policies(plan: Plan, act: Actor, kind: str, who: dict[str, str]) -> None:
    """Detach the managed policies of a user, group or role; delete its inline ones."""
    attached = plan.listed(act, f"ListAttached{kind}Policies", who, "AttachedPolicies")
    plan.each(
        attached,
        lambda p: f"Detach policy {p['PolicyName']}",
        f"Detach{kind}Policy",
        PolicyArn=_value("PolicyArn"),
        **who,
    )
    inline = plan.listed(act, f"List{kind}Policies", who, "PolicyNames")
    plan.each(
        inline,
        lambda n: f"Delete inline policy {n}",
        f"Delete{kind}Policy",
        PolicyName=lambda n: n,
        **who,
    )


def group_plan(act: Actor, name: str) -> Plan:
    plan = Plan()
    who = {"GroupName": name}
    members = plan.listed(act, "GetGroup", who, "Users")
    plan.each(
        members,
        lambda u: f"Remove user {u['UserName']} from the group",
        "RemoveUserFromGroup",
        UserName=_value("UserName"),
        **who,
    )
    _policies(plan, act, "Group", who)
    plan.add(f"Delete the group {name}", "DeleteGroup", **who)
    return plan


def role_plan(act: Actor, name: str) -> Plan:
    """The role's instance profiles lose it (the one named after it, made with it, goes)."""
    plan = Plan()
    who = {"RoleName": name}
    profiles = plan.listed(act, "ListInstanceProfilesForRole", who, "InstanceProfiles")
    for profile in profiles:
        profile_name = profile["InstanceProfileName"]
        plan.add(
            f"Remove from instance profile {profile_name}",
            "RemoveRoleFromInstanceProfile",
            InstanceProfileName=profile_name,
            **who,
        )
        if profile_name == name and len(profile.get("Roles", [])) <= 1:
            plan.add(
                f"Delete instance profile {profile_name}",
                "DeleteInstanceProfile",
                InstanceProfileName=profile_name,
            )
    _policies(plan, act, "Role", who)
    plan.add(f"Delete the role {name}", "DeleteRole", **who)
    return plan


def policy_plan(act: Actor, arn: str, name: str) -> Plan:
    """Detach from every user, group and role; delete the other versions, then the policy."""
    plan = Plan()
    try:
        entities = act("ListEntitiesForPolicy", {"PolicyArn": arn, "MaxItems": 1000})
    except ServiceError as error:
        plan.unlisted.append(error)
        entities = {}
    for kind, member, key in (
        ("User", "PolicyUsers", "UserName"),
        ("Group", "PolicyGroups", "GroupName"),
        ("Role", "PolicyRoles", "RoleName"),
    ):
        for entity in entities.get(member, []):
            effect = f"Detach from {kind.lower()} {entity[key]}"
            plan.add(effect, f"Detach{kind}Policy", PolicyArn=arn, **{key: entity[key]})
    versions = plan.listed(act, "ListPolicyVersions", {"PolicyArn": arn}, "Versions")
    plan.each(
        [v for v in versions if not v["IsDefaultVersion"]],
        lambda v: f"Delete policy version {v['VersionId']}",
        "DeletePolicyVersion",
        PolicyArn=arn,
        VersionId=_value("VersionId"),
    )
    plan.add(f"Delete the policy {name}", "DeletePolicy", PolicyArn=arn)
    return plan
