"""Account-wide IAM through boto3: the password policy, the alias and GetAccountSummary.

Expected answers are copied from real AWS responses recorded in
``aws-recorded/iam/account_password_policy.json`` and ``account_summary.json``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import IamdServer, error_of

DEFAULT_POLICY = {
    "AllowUsersToChangePassword": False,
    "ExpirePasswords": False,
    "MinimumPasswordLength": 6,
    "RequireLowercaseCharacters": False,
    "RequireNumbers": False,
    "RequireSymbols": False,
    "RequireUppercaseCharacters": False,
}
CUSTOM_POLICY = {
    "AllowUsersToChangePassword": True,
    "ExpirePasswords": True,
    "HardExpiry": True,
    "MaxPasswordAge": 60,
    "MinimumPasswordLength": 10,
    "PasswordReusePrevention": 3,
    "RequireLowercaseCharacters": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "RequireUppercaseCharacters": True,
}
VALIDATION_MESSAGE = (
    "3 validation errors detected: Value at 'minimumPasswordLength' failed to satisfy "
    "constraint: Member must have value less than or equal to 128; Value at "
    "'passwordReusePrevention' failed to satisfy constraint: Member must have value less "
    "than or equal to 24; Value at 'maxPasswordAge' failed to satisfy constraint: Member "
    "must have value less than or equal to 1095"
)
# AWS's quotas for a new account, and the usage keys (counted, so not listed by value).
SUMMARY_QUOTAS = {
    "AccessKeysPerUserQuota": 2,
    "AccountMFAEnabled": 0,
    "AccountSigningCertificatesPresent": 0,
    "AssumeRolePolicySizeQuota": 2048,
    "AttachedPoliciesPerGroupQuota": 10,
    "AttachedPoliciesPerRoleQuota": 10,
    "AttachedPoliciesPerUserQuota": 10,
    "GlobalEndpointTokenVersion": 1,
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
SUMMARY_USAGE = {
    "AccountAccessKeysPresent",
    "AccountPasswordPresent",
    "Groups",
    "InstanceProfiles",
    "MFADevices",
    "MFADevicesInUse",
    "Policies",
    "PolicyVersionsInUse",
    "Providers",
    "Roles",
    "ServerCertificates",
    "Users",
}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
    }
)


def _error(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


# --- Password policy ------------------------------------------------------------------


def test_password_policy_defaults(iam: Any) -> None:
    iam.update_account_password_policy()
    assert iam.get_account_password_policy()["PasswordPolicy"] == DEFAULT_POLICY


def test_password_policy_custom_values(iam: Any) -> None:
    iam.update_account_password_policy(
        MinimumPasswordLength=10,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=60,
        PasswordReusePrevention=3,
        HardExpiry=True,
    )
    assert iam.get_account_password_policy()["PasswordPolicy"] == CUSTOM_POLICY


def test_password_policy_update_replaces_every_field(iam: Any) -> None:
    iam.update_account_password_policy(MinimumPasswordLength=20, MaxPasswordAge=30)
    iam.update_account_password_policy(RequireSymbols=True)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 6
    assert policy["RequireSymbols"] is True
    assert policy["ExpirePasswords"] is False
    assert "MaxPasswordAge" not in policy


def test_password_policy_validation_errors(iam: Any) -> None:
    error = _error(
        lambda: iam.update_account_password_policy(
            MinimumPasswordLength=129, PasswordReusePrevention=25, MaxPasswordAge=1096
        )
    )
    assert error == ("ValidationError", VALIDATION_MESSAGE, 400)


def test_password_policy_not_found_and_delete(iam: Any, account: Any) -> None:
    not_found = (
        "NoSuchEntity",
        f"The Password Policy with domain name {account.account_id} cannot be found.",
        404,
    )
    assert _error(iam.get_account_password_policy) == not_found
    assert _error(iam.delete_account_password_policy) == (
        "NoSuchEntity",
        "The account policy with name PasswordPolicy cannot be found.",
        404,
    )
    iam.update_account_password_policy()
    iam.delete_account_password_policy()
    assert _error(iam.get_account_password_policy) == not_found


# --- Account alias --------------------------------------------------------------------


def _alias() -> str:
    return f"iamd-test-{secrets.token_hex(6)}"


def test_account_alias_lifecycle(iam: Any) -> None:
    assert iam.list_account_aliases()["AccountAliases"] == []
    alias = _alias()
    iam.create_account_alias(AccountAlias=alias)
    iam.create_account_alias(AccountAlias=alias)  # the account's own alias again: no change
    listed = iam.list_account_aliases()
    assert listed["AccountAliases"] == [alias]
    assert listed["IsTruncated"] is False
    iam.delete_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == []


def test_a_new_alias_replaces_the_old_one(iam: Any) -> None:
    first, second = _alias(), _alias()
    iam.create_account_alias(AccountAlias=first)
    iam.create_account_alias(AccountAlias=second)
    assert iam.list_account_aliases()["AccountAliases"] == [second]


def test_aliases_are_unique_across_accounts(iam: Any, server: IamdServer) -> None:
    alias = _alias()
    iam.create_account_alias(AccountAlias=alias)
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    assert _error(lambda: other_iam.create_account_alias(AccountAlias=alias)) == (
        "EntityAlreadyExists",
        f"The account alias {alias} already exists.",
        409,
    )
    # Another account cannot delete it either: for that account it does not exist.
    assert _error(lambda: other_iam.delete_account_alias(AccountAlias=alias))[0] == "NoSuchEntity"
    assert iam.list_account_aliases()["AccountAliases"] == [alias]


def test_delete_unknown_alias(iam: Any) -> None:
    alias = _alias()
    assert _error(lambda: iam.delete_account_alias(AccountAlias=alias)) == (
        "NoSuchEntity",
        f"The account alias {alias} cannot be found.",
        404,
    )


# --- Summary --------------------------------------------------------------------------


def test_account_summary_keys_and_quotas(iam: Any) -> None:
    summary = iam.get_account_summary()["SummaryMap"]
    assert set(summary) == set(SUMMARY_QUOTAS) | SUMMARY_USAGE
    assert {key: summary[key] for key in SUMMARY_QUOTAS} == SUMMARY_QUOTAS
    # iamd's accounts are made with a root access key (AWS's recorded one had none).
    assert summary["AccountAccessKeysPresent"] == 1
    assert summary["AccountPasswordPresent"] == 0
    assert all(summary[key] == 0 for key in SUMMARY_USAGE - {"AccountAccessKeysPresent"})


def test_account_summary_counts(iam: Any) -> None:
    before = iam.get_account_summary()["SummaryMap"]
    iam.create_user(UserName="summary-user")
    iam.create_group(GroupName="summary-group")
    iam.create_role(RoleName="summary-role", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="summary-profile")
    policy_arn = iam.create_policy(PolicyName="summary-policy", PolicyDocument=DOCUMENT)["Policy"][
        "Arn"
    ]
    iam.attach_user_policy(UserName="summary-user", PolicyArn=policy_arn)
    iam.attach_role_policy(
        RoleName="summary-role", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    iam.create_virtual_mfa_device(VirtualMFADeviceName="summary-mfa")
    after = iam.get_account_summary()["SummaryMap"]
    deltas = {key: after[key] - before[key] for key in after if after[key] != before[key]}
    assert deltas == {
        "Users": 1,
        "Groups": 1,
        "Roles": 1,
        "InstanceProfiles": 1,
        "Policies": 1,  # the account's own: attaching an AWS managed policy adds none
        "PolicyVersionsInUse": 2,
        "MFADevices": 1,
    }
