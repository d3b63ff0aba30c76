"""The add-user wizard's state and the calls that create the user it describes.

Steps: "details" (name, console and programmatic access, the console password),
"permissions" (by group, by copying a user, or by attaching policies; a boundary),
"tags", "review". `NewUser` is the state the steps fill in; `create_user` makes the
calls the AWS console makes, in its order, as the signed-in principal, all or nothing.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from iamd.auth.passwords import SYMBOLS
from iamd.console.actions import Actor

STEPS = ("details", "permissions", "tags", "review")
PERMISSION_MODES = ("group", "copy", "attach")
# What the AWS console attaches when it makes a user change its password at sign-in.
CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"
GENERATED_LENGTH = 20


@dataclass
class NewUser:
    user_name: str = ""
    console_access: bool = False
    programmatic_access: bool = False
    password_mode: str = "auto"  # "auto" or "custom"
    custom_password: str = ""
    require_reset: bool = True
    permission_mode: str = "group"
    groups: list[str] = field(default_factory=list)
    copy_from: str = ""
    policies: list[str] = field(default_factory=list)
    boundary: str = ""
    tags: list[list[str]] = field(default_factory=list)

    def as_state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> NewUser:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (state or {}).items() if k in known})

    def policies_to_attach(self) -> list[str]:
        chosen = list(self.policies) if self.permission_mode == "attach" else []
        if self.console_access and self.require_reset and CHANGE_PASSWORD_POLICY not in chosen:
            chosen.append(CHANGE_PASSWORD_POLICY)
        return chosen


@dataclass(frozen=True)
class Created:
    """What the last page shows once: the password and the secret key, never again."""

    user_name: str
    password: str | None
    access_key_id: str | None
    secret_access_key: str | None


def generate_password() -> str:
    """A password with every kind of character, so any password policy's kinds are met."""
    kinds = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "".join(SYMBOLS)]
    alphabet = "".join(kinds)
    chars = [secrets.choice(kind) for kind in kinds]
    chars += [secrets.choice(alphabet) for _ in range(GENERATED_LENGTH - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def create_user(act: Actor, new: NewUser) -> Created:
    """CreateUser and what the wizard chose, in one savepoint: all of it, or none."""
    with act.conn.begin_nested():
        act("CreateUser", _create_params(new))
        password = _console_password(act, new)
        if new.permission_mode == "group":
            for group in new.groups:
                act("AddUserToGroup", {"UserName": new.user_name, "GroupName": group})
        if new.permission_mode == "copy" and new.copy_from:
            copy_permissions(act, new.copy_from, new.user_name, with_boundary=not new.boundary)
        for arn in new.policies_to_attach():
            act("AttachUserPolicy", {"UserName": new.user_name, "PolicyArn": arn})
        key = _access_key(act, new)
    return Created(
        new.user_name,
        password,
        key["AccessKeyId"] if key else None,
        key["SecretAccessKey"] if key else None,
    )


def _access_key(act: Actor, new: NewUser) -> dict[str, Any] | None:
    if not new.programmatic_access:
        return None
    key: dict[str, Any] = act("CreateAccessKey", {"UserName": new.user_name})["AccessKey"]
    return key


def _create_params(new: NewUser) -> dict[str, Any]:
    params: dict[str, Any] = {"UserName": new.user_name}
    if new.boundary:
        params["PermissionsBoundary"] = new.boundary
    if new.tags:
        params["Tags"] = [{"Key": key, "Value": value} for key, value in new.tags]
    return params


def _console_password(act: Actor, new: NewUser) -> str | None:
    if not new.console_access:
        return None
    password = new.custom_password if new.password_mode == "custom" else generate_password()
    act(
        "CreateLoginProfile",
        {
            "UserName": new.user_name,
            "Password": password,
            "PasswordResetRequired": new.require_reset,
        },
    )
    return password


def copy_permissions(act: Actor, source: str, target: str, *, with_boundary: bool) -> None:
    """Give ``target`` the groups, managed and inline policies (and boundary) of ``source``."""
    for group in act("ListGroupsForUser", {"UserName": source})["Groups"]:
        act("AddUserToGroup", {"UserName": target, "GroupName": group["GroupName"]})
    attached = act("ListAttachedUserPolicies", {"UserName": source})["AttachedPolicies"]
    for policy in attached:
        act("AttachUserPolicy", {"UserName": target, "PolicyArn": policy["PolicyArn"]})
    for name in act("ListUserPolicies", {"UserName": source})["PolicyNames"]:
        inline = act("GetUserPolicy", {"UserName": source, "PolicyName": name})
        document = inline["PolicyDocument"]
        put = {"UserName": target, "PolicyName": name, "PolicyDocument": document}
        act("PutUserPolicy", put)
    boundary = act("GetUser", {"UserName": source})["User"].get("PermissionsBoundary")
    if with_boundary and boundary:
        arn = boundary["PermissionsBoundaryArn"]
        act("PutUserPermissionsBoundary", {"UserName": target, "PermissionsBoundary": arn})
