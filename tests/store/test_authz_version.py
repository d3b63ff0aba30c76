"""Every write that can change a decision bumps the account's authz_version — by itself.

The database's triggers do it, so no operation has to remember to. These tests hold
the schema, the classification in `iamd.store.authz_tables` and the live database's
triggers to each other, and walk real API calls over every authorization table to
see the version move (and not move for bookkeeping such as a key's last use).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import inspect, text

from iam.test_saml_providers import metadata as saml_metadata
from iam.test_server_certificates import issue, upload
from iamd.store import accounts
from iamd.store.authz_tables import AUTHZ_TABLES, UNRELATED_TABLES, trigger_names
from iamd.store.database import Database
from iamd.store.schema import metadata
from support import IamdServer, RootCredential

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:*"}
        ],
    }
)


@pytest.fixture
def db(server: IamdServer) -> Iterator[Database]:
    database, _ = server.open_store()
    yield database
    database.dispose()


def test_every_table_is_classified_once() -> None:
    tables = set(metadata.tables) | {"alembic_version"}
    assert set(AUTHZ_TABLES) | set(UNRELATED_TABLES) == tables
    assert not set(AUTHZ_TABLES) & set(UNRELATED_TABLES)


def test_the_database_has_every_trigger(db: Database) -> None:
    with db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= set(AUTHZ_TABLES) | set(UNRELATED_TABLES)
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        installed = set(conn.execute(text(query)).scalars())
    expected = {name for table in AUTHZ_TABLES for name in trigger_names(table)}
    assert installed == expected


class Versions:
    def __init__(self, db: Database, account_id: str) -> None:
        self.db = db
        self.account_id = account_id

    def now(self) -> int:
        with self.db.transaction() as conn:
            return accounts.authz_version(conn, self.account_id)

    def bumps(self, call: Callable[[], Any]) -> bool:
        before = self.now()
        call()
        return self.now() > before


def test_writes_to_every_authorization_table_bump_the_version(
    iam: Any, account: RootCredential, db: Database, make_client: Callable[..., Any]
) -> None:
    versions = Versions(db, account.account_id)
    arn = f"arn:aws:iam::{account.account_id}:policy/p"
    writes: list[tuple[str, Callable[[], Any]]] = [
        ("users", lambda: iam.create_user(UserName="u")),
        ("users", lambda: iam.update_user(UserName="u", NewPath="/team/")),
        ("groups", lambda: iam.create_group(GroupName="g")),
        ("group_members", lambda: iam.add_user_to_group(GroupName="g", UserName="u")),
        ("managed_policies", lambda: iam.create_policy(PolicyName="p", PolicyDocument=POLICY)),
        (
            "policy_versions",
            lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY),
        ),
        ("policy_attachments", lambda: iam.attach_user_policy(UserName="u", PolicyArn=arn)),
        (
            "inline_policies",
            lambda: iam.put_group_policy(GroupName="g", PolicyName="i", PolicyDocument=POLICY),
        ),
        ("tags", lambda: iam.tag_user(UserName="u", Tags=[{"Key": "k", "Value": "v"}])),
        ("users", lambda: iam.put_user_permissions_boundary(UserName="u", PermissionsBoundary=arn)),
        ("access_keys", lambda: iam.create_access_key(UserName="u")),
        ("login_profiles", lambda: iam.create_login_profile(UserName="u", Password="Pa55-word!x")),
        ("roles", lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)),
        ("roles", lambda: iam.update_assume_role_policy(RoleName="r", PolicyDocument=TRUST)),
        ("password_policies", lambda: iam.update_account_password_policy(MinimumPasswordLength=9)),
        (
            "oidc_providers",
            lambda: iam.create_open_id_connect_provider(
                Url="https://issuer.example.com", ClientIDList=["a"], ThumbprintList=["0" * 40]
            ),
        ),
        ("mfa_devices", lambda: iam.create_virtual_mfa_device(VirtualMFADeviceName="m")),
        ("instance_profiles", lambda: iam.create_instance_profile(InstanceProfileName="ip")),
        ("group_members", lambda: iam.remove_user_from_group(GroupName="g", UserName="u")),
        ("policy_attachments", lambda: iam.detach_user_policy(UserName="u", PolicyArn=arn)),
        ("tags", lambda: iam.untag_user(UserName="u", TagKeys=["k"])),
    ]
    covered = set()
    for table, write in writes:
        assert versions.bumps(write), table
        covered.add(table)
    # SAML providers and server certificates need documents of their own: tested below;
    # s3_buckets is written by the gateway (tests/gateway).
    assert covered == set(AUTHZ_TABLES) - {"saml_providers", "server_certificates", "s3_buckets"}


def test_bookkeeping_writes_leave_the_version_alone(
    iam: Any, account: RootCredential, db: Database, make_client: Callable[..., Any]
) -> None:
    versions = Versions(db, account.account_id)
    iam.create_user(UserName="u")
    key = iam.create_access_key(UserName="u")["AccessKey"]
    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert not versions.bumps(sts.get_caller_identity)  # records the key's last use
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    assert not versions.bumps(lambda: iam.update_role(RoleName="r", Description="d"))


def test_certificates_and_saml_providers_bump_the_version(
    iam: Any, account: RootCredential, db: Database
) -> None:
    versions = Versions(db, account.account_id)
    assert versions.bumps(lambda: upload(iam, "web", issue()))
    assert versions.bumps(
        lambda: iam.update_server_certificate(ServerCertificateName="web", NewPath="/x/")
    )
    assert versions.bumps(
        lambda: iam.create_saml_provider(Name="idp", SAMLMetadataDocument=saml_metadata())
    )
