"""Console passwords: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
DeleteLoginProfile and ChangePassword.

Every new password is checked against the account's password policy (AWS's default
one when none is set) and, when the policy asks, against the user's recent passwords.
Passwords are hashed with argon2id (`iamd.auth.passwords`) and never logged.
"""

from __future__ import annotations

from datetime import datetime

from iamd.auth import passwords
from iamd.errors import (
    AccessDenied,
    InvalidUserType,
    PasswordPolicyViolation,
    ValidationError,
)
from iamd.iam.users import target_user
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import account_settings, accounts, login_profiles, users
from iamd.store.account_settings import PasswordPolicy
from iamd.store.login_profiles import LoginProfile
from iamd.store.users import User

POLICY_VIOLATION = "Password does not conform to the account password policy."
MISSING_PASSWORD = (
    "1 validation error detected: Value null at 'password' failed to satisfy constraint: "
    "Member must not be null"
)
# AWS documents these errors' codes but no recording shows their wording: iamd's own.
ROOT_CANNOT_CHANGE = "Only IAM Users can change their own password."
WRONG_OLD_PASSWORD = "The old password is incorrect."
HARD_EXPIRED = "Your password has expired and can only be reset by an administrator."


def profile_output(user: User, profile: LoginProfile) -> Output:
    return {
        "UserName": user.name,
        "CreateDate": profile.created_at,
        "PasswordResetRequired": profile.reset_required,
    }


def check_new_password(ctx: OperationContext, user: User, password: str) -> None:
    """Refuse a password the account's policy forbids, reuse of a recent one included."""
    policy = account_settings.find_password_policy(ctx.conn, ctx.account_id)
    if policy is None:
        account = accounts.get_account(ctx.conn, ctx.account_id)
        name, email = (account.name, account.email) if account else ("", "")
        broken = passwords.default_policy_violations(password, account_name=name, email=email)
    else:
        broken = passwords.policy_violations(policy, password)
        if not broken and policy.reuse_prevention:
            recent = login_profiles.recent_hashes(ctx.conn, user.user_id, policy.reuse_prevention)
            broken = ["reuse_prevention"] if passwords.matches_any(password, recent) else []
    if broken:
        raise PasswordPolicyViolation(POLICY_VIOLATION)


def create_login_profile(ctx: OperationContext, params: Params) -> Output:
    user = target_user(ctx, params)
    password = params.get("Password")
    if password is None:
        raise ValidationError(MISSING_PASSWORD)
    if login_profiles.find_profile(ctx.conn, user.user_id) is not None:
        raise login_profiles.already_exists(user.name)
    check_new_password(ctx, user, password)
    profile = LoginProfile(
        user_id=user.user_id,
        password_hash=passwords.hash_password(password),
        reset_required=bool(params.get("PasswordResetRequired")),
        created_at=ctx.now,
        password_changed_at=ctx.now,
    )
    login_profiles.insert_profile(ctx.conn, profile, user.name)
    return {"LoginProfile": profile_output(user, profile)}


def get_login_profile(ctx: OperationContext, params: Params) -> Output:
    user = target_user(ctx, params)
    profile = login_profiles.get_profile(ctx.conn, user.user_id, user.name)
    return {"LoginProfile": profile_output(user, profile)}


def update_login_profile(ctx: OperationContext, params: Params) -> Output:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    login_profiles.get_profile(ctx.conn, user.user_id, user.name)
    password = params.get("Password")
    if password is not None:
        check_new_password(ctx, user, password)
        new_hash = passwords.hash_password(password)
        login_profiles.set_password(ctx.conn, user.user_id, new_hash, ctx.now)
    reset_required = params.get("PasswordResetRequired")
    if reset_required is not None:
        login_profiles.set_reset_required(ctx.conn, user.user_id, reset_required)
    return {}


def delete_login_profile(ctx: OperationContext, params: Params) -> Output:
    user = target_user(ctx, params)
    login_profiles.get_profile(ctx.conn, user.user_id, user.name)
    login_profiles.delete_profile(ctx.conn, user.user_id)
    return {}


def change_password(ctx: OperationContext, params: Params) -> Output:
    """An IAM user changes its own password, proving it knows the current one."""
    user = calling_user(ctx)
    profile = login_profiles.get_profile(ctx.conn, user.user_id, user.name)
    if not passwords.verify_password(profile.password_hash, params["OldPassword"]):
        raise AccessDenied(WRONG_OLD_PASSWORD)
    policy = account_settings.find_password_policy(ctx.conn, ctx.account_id)
    if hard_expired(profile, policy, ctx.now):
        raise AccessDenied(HARD_EXPIRED)
    check_new_password(ctx, user, params["NewPassword"])
    new_hash = passwords.hash_password(params["NewPassword"])
    login_profiles.set_password(ctx.conn, user.user_id, new_hash, ctx.now)
    login_profiles.set_reset_required(ctx.conn, user.user_id, False)
    return {}


def hard_expired(profile: LoginProfile, policy: PasswordPolicy | None, now: datetime) -> bool:
    """Whether the password expired under a policy that lets only an administrator reset it."""
    if policy is None or not policy.hard_expiry:
        return False
    return passwords.is_expired(profile.password_changed_at, policy, now)


def calling_user(ctx: OperationContext) -> User:
    """The IAM user making the call; the root user and role sessions have no password here."""
    caller = ctx.caller
    if not caller.is_user or caller.entity_id is None:
        raise InvalidUserType(ROOT_CANNOT_CHANGE)
    user = users.get_user_by_id(ctx.conn, caller.entity_id)
    if user is None:
        raise users.not_found(caller.name or caller.entity_id)
    return user


OPERATIONS: OperationTable = {
    "CreateLoginProfile": create_login_profile,
    "GetLoginProfile": get_login_profile,
    "UpdateLoginProfile": update_login_profile,
    "DeleteLoginProfile": delete_login_profile,
    "ChangePassword": change_password,
}
