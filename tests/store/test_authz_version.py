"""Every write that can change a decision bumps a version — by itself.

The database's triggers do it, so no operation has to remember to. These tests hold
the schema, the classification in `iamd.store.authz_tables` and the live database's
triggers to each other, and walk real API calls over every authorization table to
see the right version move: the account's for shared writes, a user's or role's own
for writes confined to it (and none for bookkeeping such as a key's last use).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import NoResultFound

from iam.test_saml_providers import metadata as saml_metadata
from iam.test_server_certificates import issue, upload
from iamd.store import accounts
from iamd.store.authz_tables import AUTHZ_TABLES, UNRELATED_TABLES, trigger_names
from iamd.store.database import Database
from iamd.store.schema import metadata
from iamd.store.versioned import principal_versions, read_once
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
        is_sqlite = conn.dialect.name == "sqlite"
        if is_sqlite:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        installed = set(conn.execute(text(query)).scalars())
    expected = {name for table in AUTHZ_TABLES for name in trigger_names(table)}
    if not is_sqlite:  # and the bumps' notifications to other processes (migration 0011)
        expected |= {f"iamd_notify_{table}_version" for table in ("accounts", "users", "roles")}
        expected.add("iamd_notify_users_row")  # a new user, a password's use (0012)
    assert installed == expected


class Versions:
    """The account's version and, by name, a user's or role's own."""

    def __init__(self, db: Database, account_id: str) -> None:
        self.db = db
        self.account_id = account_id

    def now(self, scope: str = "account") -> int:
        with self.db.transaction() as conn:
            if scope == "account":
                return accounts.authz_version(conn, self.account_id)
            kind, name = scope.split("/")
            table = "users" if kind == "user" else "roles"
            row = conn.execute(
                text(f"SELECT id FROM {table} WHERE account_id = :a AND name = :n"),
                {"a": self.account_id, "n": name},
            ).one()
            return principal_versions(conn, self.account_id, table, row.id)[1]

    def bumps(self, call: Callable[[], Any], scope: str = "account") -> bool:
        before = self.now(scope)
        call()
        return self.now(scope) > before

    def moved(self, call: Callable[[], Any], *scopes: str) -> set[str]:
        """Which of the scopes' versions the call moved."""
        before = {scope: self.now(scope) for scope in scopes}
        call()
        return {scope for scope in scopes if self.now(scope) > before[scope]}


SCOPES = ("account", "user/u", "user/other", "role/r")


def test_writes_to_every_authorization_table_bump_a_version(
    iam: Any, account: RootCredential, db: Database, make_client: Callable[..., Any]
) -> None:
    """Shared writes bump the account; writes confined to a principal bump only its own."""
    versions = Versions(db, account.account_id)
    arn = f"arn:aws:iam::{account.account_id}:policy/p"
    iam.create_user(UserName="other")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    writes: list[tuple[str, str | None, Callable[[], Any]]] = [
        ("users", None, lambda: iam.create_user(UserName="u")),  # nobody cached it
        ("users", "account", lambda: iam.update_user(UserName="u", NewPath="/team/")),
        ("groups", "account", lambda: iam.create_group(GroupName="g")),
        ("group_members", "user/u", lambda: iam.add_user_to_group(GroupName="g", UserName="u")),
        (
            "managed_policies",
            "account",
            lambda: iam.create_policy(PolicyName="p", PolicyDocument=POLICY),
        ),
        (
            "policy_versions",
            "account",
            lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY),
        ),
        (
            "policy_attachments",
            "user/u",
            lambda: iam.attach_user_policy(UserName="u", PolicyArn=arn),
        ),
        (
            "policy_attachments",
            "role/r",
            lambda: iam.attach_role_policy(RoleName="r", PolicyArn=arn),
        ),
        (
            "policy_attachments",
            "account",
            lambda: iam.attach_group_policy(GroupName="g", PolicyArn=arn),
        ),
        (
            "inline_policies",
            "account",
            lambda: iam.put_group_policy(GroupName="g", PolicyName="i", PolicyDocument=POLICY),
        ),
        (
            "inline_policies",
            "user/u",
            lambda: iam.put_user_policy(UserName="u", PolicyName="i", PolicyDocument=POLICY),
        ),
        (
            "inline_policies",
            "role/r",
            lambda: iam.put_role_policy(RoleName="r", PolicyName="i", PolicyDocument=POLICY),
        ),
        ("tags", "user/u", lambda: iam.tag_user(UserName="u", Tags=[{"Key": "k", "Value": "v"}])),
        ("tags", "role/r", lambda: iam.tag_role(RoleName="r", Tags=[{"Key": "k", "Value": "v"}])),
        (
            "tags",
            "account",
            lambda: iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
        ),
        (
            "users",
            "user/u",
            lambda: iam.put_user_permissions_boundary(UserName="u", PermissionsBoundary=arn),
        ),
        ("access_keys", "user/u", lambda: iam.create_access_key(UserName="u")),
        (
            "login_profiles",
            "user/u",
            lambda: iam.create_login_profile(UserName="u", Password="Pa55-word!x"),
        ),
        ("roles", None, lambda: iam.create_role(RoleName="r2", AssumeRolePolicyDocument=TRUST)),
        (
            "roles",
            "role/r",
            lambda: iam.update_assume_role_policy(RoleName="r", PolicyDocument=TRUST),
        ),
        ("roles", "account", lambda: iam.delete_role(RoleName="r2")),
        (
            "password_policies",
            "account",
            lambda: iam.update_account_password_policy(MinimumPasswordLength=9),
        ),
        (
            "oidc_providers",
            "account",
            lambda: iam.create_open_id_connect_provider(
                Url="https://issuer.example.com", ClientIDList=["a"], ThumbprintList=["0" * 40]
            ),
        ),
        ("mfa_devices", "account", lambda: iam.create_virtual_mfa_device(VirtualMFADeviceName="m")),
        (
            "instance_profiles",
            "account",
            lambda: iam.create_instance_profile(InstanceProfileName="ip"),
        ),
        (
            "group_members",
            "user/u",
            lambda: iam.remove_user_from_group(GroupName="g", UserName="u"),
        ),
        (
            "policy_attachments",
            "user/u",
            lambda: iam.detach_user_policy(UserName="u", PolicyArn=arn),
        ),
        ("tags", "user/u", lambda: iam.untag_user(UserName="u", TagKeys=["k"])),
    ]
    covered = set()
    for table, scope, write in writes:
        observed = [name for name in SCOPES if _exists(versions, name)]
        assert versions.moved(write, *observed) == ({scope} if scope else set()), (table, scope)
        covered.add(table)
    # SAML providers and server certificates need documents of their own: tested below;
    # s3_buckets is written by the gateway (tests/gateway).
    assert covered == set(AUTHZ_TABLES) - {"saml_providers", "server_certificates", "s3_buckets"}


def _exists(versions: Versions, scope: str) -> bool:
    try:
        versions.now(scope)
    except NoResultFound:
        return False
    return True


def test_a_deleted_principal_bumps_the_account(
    iam: Any, account: RootCredential, db: Database
) -> None:
    versions = Versions(db, account.account_id)
    iam.create_user(UserName="gone")
    iam.tag_user(UserName="gone", Tags=[{"Key": "k", "Value": "v"}])
    assert versions.bumps(lambda: iam.delete_user(UserName="gone"))


def test_bookkeeping_writes_leave_the_versions_alone(
    iam: Any, account: RootCredential, db: Database, make_client: Callable[..., Any]
) -> None:
    versions = Versions(db, account.account_id)
    iam.create_user(UserName="u")
    key = iam.create_access_key(UserName="u")["AccessKey"]
    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    # records the key's last use
    assert not versions.moved(sts.get_caller_identity, "account", "user/u")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    assert not versions.moved(
        lambda: iam.update_role(RoleName="r", Description="d"), "account", "role/r"
    )


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


def test_a_tag_given_its_own_value_again_changes_nothing(
    iam: Any, account: RootCredential, db: Database
) -> None:
    versions = Versions(db, account.account_id)
    iam.create_user(UserName="u")
    iam.tag_user(UserName="u", Tags=[{"Key": "team", "Value": "blue"}])
    same = [{"Key": "Team", "Value": "blue"}]  # keys are case-insensitive
    assert not versions.moved(lambda: iam.tag_user(UserName="u", Tags=same), "account", "user/u")
    assert iam.list_user_tags(UserName="u")["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert versions.moved(
        lambda: iam.tag_user(UserName="u", Tags=[{"Key": "team", "Value": "red"}]), "user/u"
    ) == {"user/u"}


def test_a_new_principal_s_tags_bump_nothing(
    iam: Any, account: RootCredential, db: Database
) -> None:
    """A user or role created with tags starts at version 0 (nobody cached it), and the
    account's version does not move; its tags are there all the same."""
    versions = Versions(db, account.account_id)
    tags = [{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": ""}]
    before = versions.now()
    iam.create_user(UserName="tagged-new", Tags=tags)
    iam.create_role(RoleName="tagged-new", AssumeRolePolicyDocument=TRUST, Tags=tags)
    assert versions.now() == before
    assert versions.now("user/tagged-new") == versions.now("role/tagged-new") == 0
    assert iam.list_user_tags(UserName="tagged-new")["Tags"] == tags
    assert iam.list_role_tags(RoleName="tagged-new")["Tags"] == tags
    assert versions.moved(
        lambda: iam.tag_user(UserName="tagged-new", Tags=[{"Key": "team", "Value": "red"}]),
        "user/tagged-new",
    ) == {"user/tagged-new"}


def test_versions_are_read_once_inside_read_once_and_afresh_after(
    iam: Any, account: RootCredential, db: Database
) -> None:
    iam.create_user(UserName="u")
    with db.transaction() as conn:
        found = "SELECT id FROM users WHERE name = 'u' AND account_id = :a"
        user_id = conn.execute(text(found), {"a": account.account_id}).scalar_one()
        before = principal_versions(conn, account.account_id, "users", user_id)
        with read_once():
            assert principal_versions(conn, account.account_id, "users", user_id) == before
            bump = "UPDATE {} SET authz_version = authz_version + 1 WHERE id = :id"
            conn.execute(text(bump.format("users")), {"id": user_id})
            conn.execute(text(bump.format("accounts")), {"id": account.account_id})
            # remembered: the block promises no write, so it never rereads
            assert principal_versions(conn, account.account_id, "users", user_id) == before
            assert accounts.authz_version(conn, account.account_id) == before[0]
        after = principal_versions(conn, account.account_id, "users", user_id)
        assert after == (before[0] + 1, before[1] + 1)
