"""Account-wide IAM: the password policy, the account alias and GetAccountSummary.

GetAccountAuthorizationDetails (`iamd.iam.authorization_details`) and the credential
report (`iamd.iam.reports`) are account-wide too; their operations are listed here.
"""

from __future__ import annotations

from iamd.errors import NoSuchEntity
from iamd.iam import authorization_details, reports
from iamd.iam.account_properties import global_endpoint_token_version
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import account_settings, account_summary
from iamd.store.account_settings import PasswordPolicy

# GetAccountSummary's quotas: AWS's defaults for a new account (IAM User Guide, "IAM
# and AWS STS quotas"), as its recorded answer shows them.
QUOTAS = {
    "AccessKeysPerUserQuota": 2,
    "AssumeRolePolicySizeQuota": 2048,
    "AttachedPoliciesPerGroupQuota": 10,
    "AttachedPoliciesPerRoleQuota": 10,
    "AttachedPoliciesPerUserQuota": 10,
    "GroupPolicySizeQuota": 5120,
    "GroupsPerUserQuota": 10,
    "GroupsQuota": 300,
    "InstanceProfilesQuota": 1000,
    "PoliciesQuota": 1500,
    "PolicySizeQuota": 6144,
    "PolicyVersionsInUseQuota": 10000,
    "RolePolicySizeQuota": 10240,
    "RolesQuota": 1000,
    "ServerCertificatesQuota": 20,
    "SigningCertificatesPerUserQuota": 2,
    "UserPolicySizeQuota": 2048,
    "UsersQuota": 5000,
    "VersionsPerPolicyQuota": 5,
}


# --- Password policy ------------------------------------------------------------------


def policy_from_params(params: Params) -> PasswordPolicy:
    """The policy UpdateAccountPasswordPolicy sets: every member left out takes its default."""
    return PasswordPolicy(
        minimum_length=params.get("MinimumPasswordLength") or 6,
        require_symbols=bool(params.get("RequireSymbols")),
        require_numbers=bool(params.get("RequireNumbers")),
        require_uppercase=bool(params.get("RequireUppercaseCharacters")),
        require_lowercase=bool(params.get("RequireLowercaseCharacters")),
        allow_users_to_change=bool(params.get("AllowUsersToChangePassword")),
        max_age_days=params.get("MaxPasswordAge"),
        reuse_prevention=params.get("PasswordReusePrevention"),
        hard_expiry=params.get("HardExpiry"),
    )


def policy_output(policy: PasswordPolicy) -> Output:
    output: Output = {
        "MinimumPasswordLength": policy.minimum_length,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase,
        "RequireLowercaseCharacters": policy.require_lowercase,
        "AllowUsersToChangePassword": policy.allow_users_to_change,
        "ExpirePasswords": policy.expires_passwords,
    }
    optional = {
        "MaxPasswordAge": policy.max_age_days,
        "PasswordReusePrevention": policy.reuse_prevention,
        "HardExpiry": policy.hard_expiry,
    }
    output.update({name: value for name, value in optional.items() if value is not None})
    return output


def update_account_password_policy(ctx: OperationContext, params: Params) -> Output:
    account_settings.put_password_policy(ctx.conn, ctx.account_id, policy_from_params(params))
    # AllowUsersToChangePassword grants users iam:ChangePassword on themselves.
    return {}


def get_account_password_policy(ctx: OperationContext, params: Params) -> Output:
    policy = account_settings.find_password_policy(ctx.conn, ctx.account_id)
    if policy is None:
        raise NoSuchEntity(
            f"The Password Policy with domain name {ctx.account_id} cannot be found."
        )
    return {"PasswordPolicy": policy_output(policy)}


def delete_account_password_policy(ctx: OperationContext, params: Params) -> Output:
    if not account_settings.delete_password_policy(ctx.conn, ctx.account_id):
        raise NoSuchEntity("The account policy with name PasswordPolicy cannot be found.")
    return {}


# --- Account alias --------------------------------------------------------------------


def create_account_alias(ctx: OperationContext, params: Params) -> Output:
    account_settings.set_alias(ctx.conn, ctx.account_id, params["AccountAlias"])
    return {}


def delete_account_alias(ctx: OperationContext, params: Params) -> Output:
    alias = params["AccountAlias"]
    if not account_settings.delete_alias(ctx.conn, ctx.account_id, alias):
        raise NoSuchEntity(f"The account alias {alias} cannot be found.")
    return {}


def list_account_aliases(ctx: OperationContext, params: Params) -> Output:
    # An account has one alias at most, so one page always holds them all.
    aliases = account_settings.aliases_of(ctx.conn, ctx.account_id)
    return {"AccountAliases": aliases, "IsTruncated": False}


# --- Summary --------------------------------------------------------------------------


def get_account_summary(ctx: OperationContext, params: Params) -> Output:
    usage = account_summary.usage(ctx.conn, ctx.account_id)
    version = global_endpoint_token_version(ctx.conn, ctx.account_id)
    return {"SummaryMap": {**usage, **QUOTAS, "GlobalEndpointTokenVersion": version}}


OPERATIONS: OperationTable = {
    "UpdateAccountPasswordPolicy": update_account_password_policy,
    "GetAccountPasswordPolicy": get_account_password_policy,
    "DeleteAccountPasswordPolicy": delete_account_password_policy,
    "CreateAccountAlias": create_account_alias,
    "DeleteAccountAlias": delete_account_alias,
    "ListAccountAliases": list_account_aliases,
    "GetAccountSummary": get_account_summary,
    **authorization_details.OPERATIONS,
    **reports.OPERATIONS,
}
