"""Bursts of concurrent requests against ``iamd serve --workers 2``: every quota and every
"must have no dependents" rule holds, no answer is a 5xx, and every 200 stays true.

Each burst releases its requests together (a barrier) at the boundary of a rule: the
last free place under a quota, or a parent's delete racing a write that adds to it.
Afterwards the store itself is read for rows whose parent is gone. The module runs
on SQLite and, under ``scripts/with_postgres.py``, on PostgreSQL, where requests run
truly in parallel in two processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import boto3
import pyotp
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import Column, ColumnElement, and_, exists, func, not_, select

from iamd.store import schema
from iamd.store.catalog import aws_managed_policies
from iamd.store.locks import KEYS
from support import REGION, IamdServer, certificate_pem, start_server

WORKERS = 2
ROUNDS = 6
DOCUMENT = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)
TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
)
AWS_POLICIES = sorted(arn for arn, policy in aws_managed_policies().items() if policy.path == "/")


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamdServer]:
    running = start_server(tmp_path_factory.mktemp("busy"), workers=WORKERS)
    yield running
    running.stop()
    assert running.traceback() is None, running.traceback()


@pytest.fixture
def iam(busy: IamdServer) -> Any:
    """A client of a fresh account, able to send every request of a burst at once.

    botocore's retries are off: a 500 or a ConcurrentModification must be seen, not
    retried away.
    """
    account = busy.new_account()
    config = Config(max_pool_connections=64, retries={"total_max_attempts": 1})
    return boto3.client(
        "iam",
        endpoint_url=busy.endpoint,
        region_name=REGION,
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
        config=config,
    )


@dataclass(frozen=True)
class Outcome:
    code: str  # "ok" or AWS's error code
    answer: dict[str, Any]


def burst(*calls: Callable[[], Any]) -> list[Outcome]:
    """Run the calls at the same moment; each one's outcome, in order. Never a 5xx."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Outcome:
        barrier.wait()
        try:
            return Outcome("ok", call())
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status < 500, error.response
            return Outcome(error.response["Error"]["Code"], error.response)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def codes(outcomes: list[Outcome]) -> list[str]:
    return sorted(outcome.code for outcome in outcomes)


# --- quotas at their boundary --------------------------------------------------------


def test_twenty_creates_give_a_user_exactly_two_access_keys(iam: Any) -> None:
    for index in range(3):
        name = f"keyed{index}"
        iam.create_user(UserName=name)
        outcomes = burst(*[partial(iam.create_access_key, UserName=name)] * 20)
        assert codes(outcomes) == ["LimitExceeded"] * 18 + ["ok"] * 2
        created = {o.answer["AccessKey"]["AccessKeyId"] for o in outcomes if o.code == "ok"}
        listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        assert {key["AccessKeyId"] for key in listed} == created


def test_the_root_user_gets_one_more_key_only(iam: Any) -> None:
    outcomes = burst(*[iam.create_access_key] * 10)
    assert codes(outcomes) == ["LimitExceeded"] * 9 + ["ok"]
    assert len(iam.list_access_keys()["AccessKeyMetadata"]) == 2


TAGGABLE = {
    "user": (
        lambda iam, name: iam.create_user(UserName=name),
        lambda iam, name, tags: iam.tag_user(UserName=name, Tags=tags),
        lambda iam, name: iam.list_user_tags(UserName=name)["Tags"],
    ),
    "role": (
        lambda iam, name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST),
        lambda iam, name, tags: iam.tag_role(RoleName=name, Tags=tags),
        lambda iam, name: iam.list_role_tags(RoleName=name)["Tags"],
    ),
}


@pytest.mark.parametrize("kind", TAGGABLE)
def test_fifty_tags_and_no_more(iam: Any, kind: str) -> None:
    create, tag, listed = TAGGABLE[kind]
    create(iam, "tagged")
    tag(iam, "tagged", [{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    outcomes = burst(
        *[lambda i=i: tag(iam, "tagged", [{"Key": f"new{i}", "Value": "v"}]) for i in range(10)]
    )
    assert codes(outcomes) == ["LimitExceeded"] * 9 + ["ok"]
    assert len(listed(iam, "tagged")) == 50


@pytest.mark.parametrize("kind", TAGGABLE)
def test_the_same_new_tag_added_at_once_is_one_tag(iam: Any, kind: str) -> None:
    create, tag, listed = TAGGABLE[kind]
    create(iam, "twice")
    outcomes = burst(
        *[lambda i=i: tag(iam, "twice", [{"Key": "Team", "Value": f"v{i}"}]) for i in range(10)]
    )
    assert codes(outcomes) == ["ok"] * 10
    tags = listed(iam, "twice")
    assert len(tags) == 1 and tags[0]["Key"] == "Team"


def test_ten_managed_policies_per_user(iam: Any) -> None:
    iam.create_user(UserName="attached")
    arns = AWS_POLICIES[:14]
    outcomes = burst(
        *[
            lambda arn=arn: iam.attach_user_policy(UserName="attached", PolicyArn=arn)
            for arn in arns
        ]
    )
    assert codes(outcomes) == ["LimitExceeded"] * 4 + ["ok"] * 10
    listed = iam.list_attached_user_policies(UserName="attached")["AttachedPolicies"]
    won = {arn for arn, o in zip(arns, outcomes, strict=True) if o.code == "ok"}
    assert {policy["PolicyArn"] for policy in listed} == won


def test_ten_groups_per_user(iam: Any) -> None:
    iam.create_user(UserName="member")
    names = [f"g{i}" for i in range(14)]
    for name in names:
        iam.create_group(GroupName=name)
    outcomes = burst(
        *[lambda n=n: iam.add_user_to_group(UserName="member", GroupName=n) for n in names]
    )
    assert codes(outcomes) == ["LimitExceeded"] * 4 + ["ok"] * 10
    assert len(iam.list_groups_for_user(UserName="member")["Groups"]) == 10


def test_five_versions_per_policy(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="versioned", PolicyDocument=DOCUMENT)["Policy"]["Arn"]
    outcomes = burst(
        *[lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOCUMENT)] * 8
    )
    assert codes(outcomes) == ["LimitExceeded"] * 4 + ["ok"] * 4
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == ["v1", "v2", "v3", "v4", "v5"]


def test_one_role_per_instance_profile(iam: Any) -> None:
    iam.create_instance_profile(InstanceProfileName="profile")
    names = [f"r{i}" for i in range(5)]
    for name in names:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    outcomes = burst(
        *[
            lambda n=n: iam.add_role_to_instance_profile(InstanceProfileName="profile", RoleName=n)
            for n in names
        ]
    )
    assert codes(outcomes) == ["LimitExceeded"] * 4 + ["ok"]
    profile = iam.get_instance_profile(InstanceProfileName="profile")["InstanceProfile"]
    assert len(profile["Roles"]) == 1


def test_eight_mfa_devices_per_user(iam: Any) -> None:
    iam.create_user(UserName="careful")
    devices = [new_device(iam, f"d{i}") for i in range(11)]
    outcomes = burst(*[lambda d=d: enable(iam, "careful", d) for d in devices])
    assert codes(outcomes) == ["LimitExceeded"] * 3 + ["ok"] * 8
    assert len(iam.list_mfa_devices(UserName="careful")["MFADevices"]) == 8


def test_five_ssh_public_keys_per_user(iam: Any) -> None:
    iam.create_user(UserName="shell")
    bodies = [ssh_key() for _ in range(8)]
    outcomes = burst(
        *[
            lambda b=b: iam.upload_ssh_public_key(UserName="shell", SSHPublicKeyBody=b)
            for b in bodies
        ]
    )
    assert codes(outcomes) == ["LimitExceeded"] * 3 + ["ok"] * 5
    assert len(iam.list_ssh_public_keys(UserName="shell")["SSHPublicKeys"]) == 5


def test_two_signing_certificates_per_user(iam: Any) -> None:
    iam.create_user(UserName="signer")
    bodies = [certificate_pem() for _ in range(5)]
    outcomes = burst(
        *[
            partial(iam.upload_signing_certificate, UserName="signer", CertificateBody=b)
            for b in bodies
        ]
    )
    assert codes(outcomes) == ["LimitExceeded"] * 3 + ["ok"] * 2
    assert len(iam.list_signing_certificates(UserName="signer")["Certificates"]) == 2


def test_one_certificate_belongs_to_one_user(iam: Any) -> None:
    names = [f"holder{i}" for i in range(4)]
    for name in names:
        iam.create_user(UserName=name)
    body = certificate_pem()
    outcomes = burst(
        *[partial(iam.upload_signing_certificate, UserName=n, CertificateBody=body) for n in names]
    )
    assert codes(outcomes) == ["DuplicateCertificate"] * 3 + ["ok"]


def test_a_users_inline_policies_stay_within_their_total_size(iam: Any) -> None:
    iam.create_user(UserName="verbose")
    # 2,048 non-blank characters in all for a user's inline policies: two of these fit.
    document = DOCUMENT.replace('"Effect"', f'"Sid": "{"x" * 600}", "Effect"')
    outcomes = burst(
        *[
            partial(
                iam.put_user_policy, UserName="verbose", PolicyName=f"p{i}", PolicyDocument=document
            )
            for i in range(5)
        ]
    )
    assert codes(outcomes) == ["LimitExceeded"] * 3 + ["ok"] * 2
    assert len(iam.list_user_policies(UserName="verbose")["PolicyNames"]) == 2


def test_client_ids_added_at_once_are_all_kept(iam: Any) -> None:
    arn = iam.create_open_id_connect_provider(
        Url="https://issuer.example.com", ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    clients = [f"client-{i}" for i in range(12)]
    outcomes = burst(
        *[
            lambda c=c: iam.add_client_id_to_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, ClientID=c
            )
            for c in clients
        ]
    )
    assert codes(outcomes) == ["ok"] * 12
    kept = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]
    assert sorted(kept) == sorted(clients)


def test_the_default_version_is_never_one_deleted_at_once(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="defaulted", PolicyDocument=DOCUMENT)["Policy"]["Arn"]
    for _ in range(ROUNDS):
        version = iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOCUMENT)["PolicyVersion"]
        version_id = version["VersionId"]
        burst(
            partial(iam.set_default_policy_version, PolicyArn=arn, VersionId=version_id),
            partial(iam.delete_policy_version, PolicyArn=arn, VersionId=version_id),
        )
        default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        iam.get_policy_version(PolicyArn=arn, VersionId=default)  # still there
        for other in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
            if not other["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=arn, VersionId=other["VersionId"])


# --- a parent's delete racing a write that adds to it --------------------------------


@dataclass(frozen=True)
class Race:
    """A parent made by ``setup``, deleted by ``delete`` while ``add`` adds to it."""

    setup: Callable[[Any, str], Any]
    add: Callable[[Any, str, Any], Any]
    delete: Callable[[Any, str, Any], Any]
    # Whether "both succeeded" is a true answer: the add happened first, and the delete
    # took what it added with it (a tag). Otherwise one of them must have refused.
    both_may_succeed: bool = False


def _user(iam: Any, name: str) -> None:
    iam.create_user(UserName=name)


def _group(iam: Any, name: str) -> None:
    iam.create_group(GroupName=name)
    iam.create_user(UserName=f"{name}-u")


def _role(iam: Any, name: str) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName=f"{name}-p")


def _profile(iam: Any, name: str) -> None:
    iam.create_instance_profile(InstanceProfileName=name)
    iam.create_role(RoleName=f"{name}-r", AssumeRolePolicyDocument=TRUST)


def _policy(iam: Any, name: str) -> str:
    iam.create_user(UserName=f"{name}-u")
    arn: str = iam.create_policy(PolicyName=name, PolicyDocument=DOCUMENT)["Policy"]["Arn"]
    return arn


def _device_for(iam: Any, name: str) -> dict[str, Any]:
    iam.create_user(UserName=name)
    return new_device(iam, f"{name}-d")


RACES: dict[str, Race] = {
    "DeleteUser/CreateAccessKey": Race(
        _user,
        lambda iam, n, _: iam.create_access_key(UserName=n),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/AttachUserPolicy": Race(
        _user,
        lambda iam, n, _: iam.attach_user_policy(UserName=n, PolicyArn=AWS_POLICIES[0]),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/AddUserToGroup": Race(
        lambda iam, n: (iam.create_user(UserName=n), iam.create_group(GroupName=f"{n}-g")),
        lambda iam, n, _: iam.add_user_to_group(UserName=n, GroupName=f"{n}-g"),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/PutUserPolicy": Race(
        _user,
        lambda iam, n, _: iam.put_user_policy(UserName=n, PolicyName="p", PolicyDocument=DOCUMENT),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/CreateLoginProfile": Race(
        _user,
        lambda iam, n, _: iam.create_login_profile(UserName=n, Password="Corr3ct-Horse-Battery!"),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/UploadSSHPublicKey": Race(
        _user,
        lambda iam, n, _: iam.upload_ssh_public_key(UserName=n, SSHPublicKeyBody=ssh_key()),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/UploadSigningCertificate": Race(
        _user,
        lambda iam, n, _: iam.upload_signing_certificate(
            UserName=n, CertificateBody=certificate_pem()
        ),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/EnableMFADevice": Race(
        _device_for,
        lambda iam, n, d: enable(iam, n, d),
        lambda iam, n, _: iam.delete_user(UserName=n),
    ),
    "DeleteUser/TagUser": Race(
        _user,
        lambda iam, n, _: iam.tag_user(UserName=n, Tags=[{"Key": "k", "Value": "v"}]),
        lambda iam, n, _: iam.delete_user(UserName=n),
        both_may_succeed=True,
    ),
    "DeleteGroup/AddUserToGroup": Race(
        _group,
        lambda iam, n, _: iam.add_user_to_group(UserName=f"{n}-u", GroupName=n),
        lambda iam, n, _: iam.delete_group(GroupName=n),
    ),
    "DeleteGroup/AttachGroupPolicy": Race(
        _group,
        lambda iam, n, _: iam.attach_group_policy(GroupName=n, PolicyArn=AWS_POLICIES[0]),
        lambda iam, n, _: iam.delete_group(GroupName=n),
    ),
    "DeleteGroup/PutGroupPolicy": Race(
        _group,
        lambda iam, n, _: iam.put_group_policy(
            GroupName=n, PolicyName="p", PolicyDocument=DOCUMENT
        ),
        lambda iam, n, _: iam.delete_group(GroupName=n),
    ),
    "DeleteRole/AttachRolePolicy": Race(
        _role,
        lambda iam, n, _: iam.attach_role_policy(RoleName=n, PolicyArn=AWS_POLICIES[0]),
        lambda iam, n, _: iam.delete_role(RoleName=n),
    ),
    "DeleteRole/PutRolePolicy": Race(
        _role,
        lambda iam, n, _: iam.put_role_policy(RoleName=n, PolicyName="p", PolicyDocument=DOCUMENT),
        lambda iam, n, _: iam.delete_role(RoleName=n),
    ),
    "DeleteRole/AddRoleToInstanceProfile": Race(
        _role,
        lambda iam, n, _: iam.add_role_to_instance_profile(
            InstanceProfileName=f"{n}-p", RoleName=n
        ),
        lambda iam, n, _: iam.delete_role(RoleName=n),
    ),
    "DeleteRole/TagRole": Race(
        _role,
        lambda iam, n, _: iam.tag_role(RoleName=n, Tags=[{"Key": "k", "Value": "v"}]),
        lambda iam, n, _: iam.delete_role(RoleName=n),
        both_may_succeed=True,
    ),
    "DeleteInstanceProfile/AddRoleToInstanceProfile": Race(
        _profile,
        lambda iam, n, _: iam.add_role_to_instance_profile(
            InstanceProfileName=n, RoleName=f"{n}-r"
        ),
        lambda iam, n, _: iam.delete_instance_profile(InstanceProfileName=n),
    ),
    "DeletePolicy/AttachUserPolicy": Race(
        _policy,
        lambda iam, n, arn: iam.attach_user_policy(UserName=f"{n}-u", PolicyArn=arn),
        lambda iam, n, arn: iam.delete_policy(PolicyArn=arn),
    ),
    "DeletePolicy/PutUserPermissionsBoundary": Race(
        _policy,
        lambda iam, n, arn: iam.put_user_permissions_boundary(
            UserName=f"{n}-u", PermissionsBoundary=arn
        ),
        lambda iam, n, arn: iam.delete_policy(PolicyArn=arn),
    ),
    "DeletePolicy/CreatePolicyVersion": Race(
        _policy,
        lambda iam, n, arn: iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOCUMENT),
        lambda iam, n, arn: iam.delete_policy(PolicyArn=arn),
    ),
    "DeletePolicy/TagPolicy": Race(
        _policy,
        lambda iam, n, arn: iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
        lambda iam, n, arn: iam.delete_policy(PolicyArn=arn),
        both_may_succeed=True,
    ),
    "DeleteVirtualMFADevice/EnableMFADevice": Race(
        _device_for,
        lambda iam, n, d: enable(iam, n, d),
        lambda iam, n, d: iam.delete_virtual_mfa_device(SerialNumber=d["SerialNumber"]),
    ),
}


@pytest.mark.parametrize("race", RACES.values(), ids=RACES.keys())
def test_a_delete_and_an_add_never_both_win(busy: IamdServer, iam: Any, race: Race) -> None:
    allowed = {("DeleteConflict", "ok"), ("NoSuchEntity", "ok")}  # sorted (add, delete) codes
    if race.both_may_succeed:
        allowed.add(("ok", "ok"))
    for index in range(ROUNDS):
        name = f"parent{index}"
        made = race.setup(iam, name)
        outcomes = burst(partial(race.add, iam, name, made), partial(race.delete, iam, name, made))
        assert tuple(codes(outcomes)) in allowed, outcomes
    account_id = iam.get_user()["User"]["Arn"].split(":")[4]
    assert orphans(busy, account_id) == {}


# --- helpers --------------------------------------------------------------------------


def new_device(iam: Any, name: str) -> dict[str, Any]:
    device: dict[str, Any] = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)[
        "VirtualMFADevice"
    ]
    return device


def enable(iam: Any, user_name: str, device: dict[str, Any]) -> Any:
    otp = pyotp.TOTP(device["Base32StringSeed"].decode())
    now = datetime.now(UTC)
    return iam.enable_mfa_device(
        UserName=user_name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=otp.at(now, counter_offset=-1),
        AuthenticationCode2=otp.at(now),
    )


def ssh_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    encoding = (serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return key.public_bytes(*encoding).decode()


def orphans(server: IamdServer, account_id: str) -> dict[str, int]:
    """The account's rows whose parent is gone, by what they are; {} when there are none."""
    db, _ = server.open_store()
    checks = {**_principal_children(), **_tagged(), **_policy_references()}
    checks = {name: query.where(_of_account(query, account_id)) for name, query in checks.items()}
    try:
        with db.transaction(write=False) as conn:
            counts = {name: conn.execute(query).scalar_one() for name, query in checks.items()}
    finally:
        db.dispose()
    return {name: count for name, count in counts.items() if count}


def _of_account(query: Any, account_id: str) -> ColumnElement[bool]:
    (table,) = query.get_final_froms()
    return table.c.account_id == account_id


def _missing(key: Column[str], value: ColumnElement[Any]) -> ColumnElement[bool]:
    return not_(exists().where(key == value))


def _principal_children() -> dict[str, Any]:
    checks = {}
    for kind in ("user", "group", "role"):
        for table in (schema.policy_attachments, schema.inline_policies):
            columns = table.c
            where = and_(columns.principal_kind == kind, _missing(KEYS[kind], columns.principal_id))
            checks[f"{table.name} of a {kind}"] = (
                select(func.count()).select_from(table).where(where)
            )
    devices = schema.mfa_devices.c
    root_ids = select(schema.accounts.c.root_user_id)
    owner_gone = and_(
        devices.user_id.is_not(None),
        _missing(schema.users.c.id, devices.user_id),
        devices.user_id.not_in(root_ids),
    )
    checks["MFA devices of a user"] = (
        select(func.count()).select_from(schema.mfa_devices).where(owner_gone)
    )
    return checks


def _tagged() -> dict[str, Any]:
    tags = schema.tags.c
    return {
        f"tags of a {kind}": select(func.count())
        .select_from(schema.tags)
        .where(tags.entity_kind == kind, _missing(key, tags.entity_id))
        for kind, key in KEYS.items()
        if kind != "account"
    }


def _policy_references() -> dict[str, Any]:
    """Attachments and boundaries naming a customer policy that is gone."""
    arn = schema.managed_policies.c.arn
    attachments = schema.policy_attachments.c
    checks: dict[str, Any] = {
        "attachments of a policy": select(func.count())
        .select_from(schema.policy_attachments)
        .where(
            not_(attachments.policy_arn.contains(":aws:policy/")),
            _missing(arn, attachments.policy_arn),
        )
    }
    for table in (schema.users, schema.roles):
        boundary = table.c.boundary_arn
        gone = and_(
            boundary.is_not(None),
            not_(boundary.contains(":aws:policy/")),
            _missing(arn, boundary),
        )
        checks[f"boundaries of {table.name}"] = select(func.count()).select_from(table).where(gone)
    policies = schema.managed_policies.c
    versions = schema.policy_versions.c
    no_default = not_(
        exists().where(
            versions.policy_id == policies.id, versions.version_id == policies.default_version_id
        )
    )
    checks["policies without their default version"] = (
        select(func.count()).select_from(schema.managed_policies).where(no_default)
    )
    return checks
