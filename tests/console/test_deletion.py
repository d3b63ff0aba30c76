"""Deleting as AWS's console does, over HTTP: one confirmation that lists what goes
(typed name), then every call as the signed-in principal, all of them or none."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from console.http_client import Browser, signed_up_root, token_of
from iam.test_signing_certificates import certificate_pem
from iamd.auth import totp
from support import IamdServer

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
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def _ssh_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def _give_everything(iam: Any, name: str) -> dict[str, str]:
    """A user with every kind of thing that blocks DeleteUser in the API."""
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="Some-Pass-123!")
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    cert = iam.upload_signing_certificate(UserName=name, CertificateBody=certificate_pem())
    ssh = iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=_ssh_key())
    iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")
    iam.create_group(GroupName="staff")
    iam.add_user_to_group(GroupName="staff", UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    iam.put_user_policy(UserName=name, PolicyName="inline-one", PolicyDocument=ALLOW_ALL)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    _enable(iam, name, device)
    return {
        "key": key,
        "cert": cert["Certificate"]["CertificateId"],
        "ssh": ssh["SSHPublicKey"]["SSHPublicKeyId"],
        "mfa": device["SerialNumber"],
    }


def _enable(iam: Any, name: str, device: dict[str, Any]) -> None:
    seed = device["Base32StringSeed"].decode()
    counter = totp.counter_at(datetime.now(UTC))
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.code_for(seed, counter - 1),
        AuthenticationCode2=totp.code_for(seed, counter),
    )


def _effects(html: str) -> list[str]:
    listed = re.search(r'<ul data-testid="effects">(.*?)</ul>', html, re.S)
    assert listed is not None, html
    return re.findall(r"<li>(.*?)</li>", listed.group(1))


def test_deleting_a_user_lists_and_removes_all_it_has(browser: Browser, root_iam: Any) -> None:
    ids = _give_everything(root_iam, "leaver")
    status, _, html = browser.get("/iam/users/leaver/delete")
    assert status == 200
    effects = _effects(html)
    assert effects == [
        "Delete the console password",
        f"Delete access key {ids['key']}",
        f"Delete signing certificate {ids['cert']}",
        f"Delete SSH public key {ids['ssh']}",
        effects[4],
        f"Deactivate MFA device {ids['mfa']}",
        f"Delete virtual MFA device {ids['mfa']}",
        "Remove from group staff",
        "Detach policy IAMReadOnlyAccess",
        "Delete inline policy inline-one",
        "Delete the user leaver",
    ]
    assert effects[4].startswith("Delete codecommit.amazonaws.com credential leaver-at-")
    status, _, html = browser.submit("/iam/users/leaver/delete", {"confirm": "Leaver"})
    assert status == 400 and "does not match" in html
    assert root_iam.get_user(UserName="leaver")
    status, headers, _ = browser.submit("/iam/users/leaver/delete", {"confirm": "leaver"})
    assert status == 303 and "notice=user-deleted" in headers["location"]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        root_iam.get_user(UserName="leaver")
    assert root_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert root_iam.get_group(GroupName="staff")["Users"] == []


def test_a_refused_call_leaves_the_user_untouched(
    browser: Browser, root_iam: Any, server: IamdServer
) -> None:
    ids = _give_everything(root_iam, "kept")
    root_iam.create_user(UserName="operator")
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:DeleteUserPolicy", "Resource": "*"},
        ],
    }
    root_iam.put_user_policy(
        UserName="operator", PolicyName="all-but", PolicyDocument=json.dumps(deny)
    )
    root_iam.create_login_profile(UserName="operator", Password="Operator-Pass-1!")
    account_id = root_iam.get_user(UserName="operator")["User"]["Arn"].split(":")[4]
    operator = Browser(browser.base)
    fields = {"user_name": "operator", "password": "Operator-Pass-1!"}
    assert operator.submit(f"/{account_id}/signin", fields)[0] == 303
    status, _, html = operator.submit("/iam/users/kept/delete", {"confirm": "kept"})
    assert status == 403
    assert "is not authorized to perform: iam:DeleteUserPolicy" in html
    assert "with an explicit deny" in html
    keys = root_iam.list_access_keys(UserName="kept")["AccessKeyMetadata"]
    assert [key["AccessKeyId"] for key in keys] == [ids["key"]]
    assert root_iam.get_login_profile(UserName="kept")
    assert root_iam.list_mfa_devices(UserName="kept")["MFADevices"]


def test_deleting_a_group_removes_members_and_policies_first(
    browser: Browser, root_iam: Any
) -> None:
    root_iam.create_group(GroupName="team")
    root_iam.create_user(UserName="member")
    root_iam.add_user_to_group(GroupName="team", UserName="member")
    root_iam.attach_group_policy(GroupName="team", PolicyArn=READ_ONLY)
    root_iam.put_group_policy(GroupName="team", PolicyName="extra", PolicyDocument=ALLOW_ALL)
    status, _, html = browser.get("/iam/groups/team/delete")
    assert _effects(html) == [
        "Remove user member from the group",
        "Detach policy IAMReadOnlyAccess",
        "Delete inline policy extra",
        "Delete the group team",
    ]
    status, headers, _ = browser.submit("/iam/groups/team/delete", {"confirm": "team"})
    assert status == 303 and "notice=group-deleted" in headers["location"]
    assert root_iam.list_groups()["Groups"] == []
    assert root_iam.get_user(UserName="member")


def test_deleting_a_role_takes_its_own_instance_profile(browser: Browser, root_iam: Any) -> None:
    root_iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST)
    for profile in ("web", "shared"):
        root_iam.create_instance_profile(InstanceProfileName=profile)
    root_iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    root_iam.add_role_to_instance_profile(InstanceProfileName="shared", RoleName="web")
    root_iam.attach_role_policy(RoleName="web", PolicyArn=READ_ONLY)
    status, _, html = browser.get("/iam/roles/web/delete")
    effects = _effects(html)
    assert "Delete instance profile web" in effects
    assert "Remove from instance profile shared" in effects
    assert "Delete instance profile shared" not in effects
    assert effects[-2:] == ["Detach policy IAMReadOnlyAccess", "Delete the role web"]
    status, headers, _ = browser.submit("/iam/roles/web/delete", {"confirm": "web"})
    assert status == 303 and "notice=role-deleted" in headers["location"]
    profiles = root_iam.list_instance_profiles()["InstanceProfiles"]
    assert [(p["InstanceProfileName"], p["Roles"]) for p in profiles] == [("shared", [])]


def test_deleting_a_policy_detaches_it_everywhere(browser: Browser, root_iam: Any) -> None:
    arn = root_iam.create_policy(PolicyName="tooling", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    root_iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_ALL, SetAsDefault=True)
    root_iam.create_user(UserName="u")
    root_iam.create_group(GroupName="g")
    root_iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    root_iam.attach_user_policy(UserName="u", PolicyArn=arn)
    root_iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    root_iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    path = "/iam/policies/delete?arn=" + quote(arn, safe="")
    status, _, html = browser.get(path)
    assert _effects(html) == [
        "Detach from user u",
        "Detach from group g",
        "Detach from role r",
        "Delete policy version v1",
        "Delete the policy tooling",
    ]
    fields = {"arn": arn, "confirm": "tooling", "csrf_token": token_of(html)}
    status, headers, _ = browser.post(path, fields)
    assert status == 303 and "notice=policy-deleted" in headers["location"]
    assert root_iam.list_policies(Scope="Local")["Policies"] == []
    assert root_iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"] == []


def test_every_smaller_delete_asks_for_its_name_too(browser: Browser, root_iam: Any) -> None:
    ids = _give_everything(root_iam, "worker")
    root_iam.create_role(RoleName="svc", AssumeRolePolicyDocument=TRUST)
    root_iam.put_role_policy(RoleName="svc", PolicyName="svc-inline", PolicyDocument=ALLOW_ALL)
    arn = root_iam.create_policy(PolicyName="v", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    root_iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_ALL, SetAsDefault=True)
    alias = "alias-" + ids["key"].lower()[-8:]
    root_iam.create_account_alias(AccountAlias=alias)
    device = ids["mfa"]
    cases = [
        (f"/iam/users/worker/access-keys/{ids['key']}/delete", {}, ids["key"]),
        ("/iam/users/worker/password/delete", {}, "worker"),
        ("/iam/users/worker/mfa/deactivate?serial=" + quote(device), {"serial": device}, "worker"),
        ("/iam/users/worker/inline-policies/inline-one/delete", {}, "inline-one"),
        ("/iam/roles/svc/inline-policies/svc-inline/delete", {}, "svc-inline"),
        (
            f"/iam/policies/versions/delete?arn={quote(arn)}&version=v1",
            {"arn": arn, "version": "v1"},
            "v1",
        ),
        (f"/iam/settings/alias/delete?alias={alias}", {"alias": alias}, alias),
    ]
    for path, hidden, word in cases:
        status, _, html = browser.get(path)
        assert status == 200 and f'<strong class="mono">{word}</strong>' in html, path
        fields = {**hidden, "confirm": word + "x", "csrf_token": token_of(html)}
        assert browser.post(path, fields)[0] == 400, path
        fields["confirm"] = word
        status, _, html = browser.post(path, fields)
        assert status == 303, (path, html)
    assert root_iam.list_access_keys(UserName="worker")["AccessKeyMetadata"] == []
    with pytest.raises(ClientError, match="NoSuchEntity"):
        root_iam.get_login_profile(UserName="worker")
    assert root_iam.list_mfa_devices(UserName="worker")["MFADevices"] == []
    assert root_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    assert root_iam.list_user_policies(UserName="worker")["PolicyNames"] == []
    assert root_iam.list_role_policies(RoleName="svc")["PolicyNames"] == []
    versions = root_iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v2"]
    assert root_iam.list_account_aliases()["AccountAliases"] == []
