"""The README's getting-started scenario with the real AWS CLI, step by step.

The root user makes an ``admins`` group with AdministratorAccess and an ``admin`` user
in it (console password and access key); ``admin``, in a profile of its own, creates a
``reader`` with AmazonS3ReadOnlyAccess, a role Lambda may assume and a role another
account may assume; ``reader`` is refused IAM writes with AWS's AccessDenied.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

AWS = str(Path(sys.executable).parent / "aws")
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN_PASSWORD = "Adm1n-Initial-Passw0rd!"


class Cli:
    """The AWS CLI with its own config files, as a person's shell would have."""

    def __init__(self, home: Path, endpoint: str) -> None:
        self.home = home
        self.endpoint = endpoint
        self.env = {
            **os.environ,
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_PAGER": "",
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [AWS, *args], env=self.env, capture_output=True, text=True, timeout=120, cwd=self.home
        )
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        output = self.run(*args, "--output", "json").stdout
        return json.loads(output) if output.strip() else None

    def configure(self, profile: str, key_id: str, secret: str) -> None:
        """``aws configure`` without the prompts, then the endpoint, as the README shows."""
        for name, value in (
            ("aws_access_key_id", key_id),
            ("aws_secret_access_key", secret),
            ("region", "us-east-1"),
            ("endpoint_url", self.endpoint),
        ):
            self.run("configure", "set", name, value, "--profile", profile)

    def denied(self, *args: str) -> str:
        """The CLI's stderr for a call that must fail with AccessDenied."""
        result = self.run(*args, check=False)
        assert result.returncode != 0, f"aws {' '.join(args)} was allowed"
        assert "(AccessDenied)" in result.stderr, result.stderr
        return " ".join(result.stderr.split())


def trust_policy(principal: dict[str, str]) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


@pytest.fixture
def cli(tmp_path: Path, server: Any) -> Cli:
    return Cli(tmp_path, server.endpoint)


def test_getting_started(cli: Cli, account: Any, server: Any) -> None:
    other_account = server.new_account().account_id
    account_id = account.account_id
    cli.configure("iamd-root", account.access_key_id, account.secret_access_key)
    admin_key = _root_creates_admin(cli, account_id)

    cli.configure("admin", admin_key["AccessKeyId"], admin_key["SecretAccessKey"])
    reader_key = _admin_creates_reader(cli, account_id)
    _admin_creates_roles(cli, account_id, other_account)

    cli.configure("reader", reader_key["AccessKeyId"], reader_key["SecretAccessKey"])
    _reader_is_denied_iam_writes(cli, account_id)


def _root_creates_admin(cli: Cli, account_id: str) -> dict[str, str]:
    root = ("--profile", "iamd-root")
    group = cli.json("iam", "create-group", "--group-name", "admins", *root)["Group"]
    assert group["Arn"] == f"arn:aws:iam::{account_id}:group/admins"
    assert group["GroupId"].startswith("AGPA")
    cli.run(
        "iam", "attach-group-policy", "--group-name", "admins",
        "--policy-arn", ADMINISTRATOR_ACCESS, *root,
    )  # fmt: skip
    attached = cli.json("iam", "list-attached-group-policies", "--group-name", "admins", *root)
    assert attached["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMINISTRATOR_ACCESS}
    ]

    user = cli.json("iam", "create-user", "--user-name", "admin", *root)["User"]
    assert user["Arn"] == f"arn:aws:iam::{account_id}:user/admin"
    profile = cli.json(
        "iam", "create-login-profile", "--user-name", "admin",
        "--password", ADMIN_PASSWORD, "--password-reset-required", *root,
    )["LoginProfile"]  # fmt: skip
    assert profile["UserName"] == "admin"
    assert profile["PasswordResetRequired"] is True
    fetched = cli.json("iam", "get-login-profile", "--user-name", "admin", *root)
    assert fetched["LoginProfile"]["UserName"] == "admin"

    key = cli.json("iam", "create-access-key", "--user-name", "admin", *root)["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA")
    assert key["Status"] == "Active"
    assert len(key["SecretAccessKey"]) == 40

    added = cli.run(
        "iam", "add-user-to-group", "--group-name", "admins", "--user-name", "admin", *root
    )
    assert added.stdout.strip() == ""
    members = cli.json("iam", "get-group", "--group-name", "admins", *root)
    assert [u["UserName"] for u in members["Users"]] == ["admin"]
    groups = cli.json("iam", "list-groups-for-user", "--user-name", "admin", *root)["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def _admin_creates_reader(cli: Cli, account_id: str) -> dict[str, str]:
    admin = ("--profile", "admin")
    identity = cli.json("sts", "get-caller-identity", *admin)
    assert identity["Arn"] == f"arn:aws:iam::{account_id}:user/admin"
    users = cli.json("iam", "list-users", *admin)["Users"]
    assert [u["UserName"] for u in users] == ["admin"]

    reader = cli.json("iam", "create-user", "--user-name", "reader", *admin)["User"]
    assert reader["Arn"] == f"arn:aws:iam::{account_id}:user/reader"
    cli.run(
        "iam", "attach-user-policy", "--user-name", "reader", "--policy-arn", S3_READ_ONLY, *admin
    )
    attached = cli.json("iam", "list-attached-user-policies", "--user-name", "reader", *admin)
    assert attached["AttachedPolicies"] == [
        {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyArn": S3_READ_ONLY}
    ]
    key = cli.json("iam", "create-access-key", "--user-name", "reader", *admin)["AccessKey"]
    users = cli.json("iam", "list-users", *admin)["Users"]
    assert [u["UserName"] for u in users] == ["admin", "reader"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def _admin_creates_roles(cli: Cli, account_id: str, other_account: str) -> None:
    admin = ("--profile", "admin")
    lambda_trust = {"Service": "lambda.amazonaws.com"}
    (cli.home / "lambda-trust.json").write_text(trust_policy(lambda_trust))
    role = cli.json(
        "iam", "create-role", "--role-name", "lambda-basic-execution",
        "--assume-role-policy-document", "file://lambda-trust.json", *admin,
    )["Role"]  # fmt: skip
    assert role["Arn"] == f"arn:aws:iam::{account_id}:role/lambda-basic-execution"
    assert role["RoleId"].startswith("AROA")
    cli.run(
        "iam", "attach-role-policy", "--role-name", "lambda-basic-execution",
        "--policy-arn", LAMBDA_BASIC, *admin,
    )  # fmt: skip
    fetched = cli.json("iam", "get-role", "--role-name", "lambda-basic-execution", *admin)
    statement = fetched["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == lambda_trust
    assert fetched["Role"]["MaxSessionDuration"] == 3600

    cross_trust = {"AWS": f"arn:aws:iam::{other_account}:root"}
    (cli.home / "cross-account-trust.json").write_text(trust_policy(cross_trust))
    cross = cli.json(
        "iam", "create-role", "--role-name", "cross-account-readonly",
        "--assume-role-policy-document", "file://cross-account-trust.json",
        "--max-session-duration", "7200", *admin,
    )["Role"]  # fmt: skip
    assert cross["Arn"] == f"arn:aws:iam::{account_id}:role/cross-account-readonly"
    cli.run(
        "iam", "attach-role-policy", "--role-name", "cross-account-readonly",
        "--policy-arn", READ_ONLY, *admin,
    )  # fmt: skip
    fetched = cli.json("iam", "get-role", "--role-name", "cross-account-readonly", *admin)
    assert fetched["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == cross_trust
    assert fetched["Role"]["MaxSessionDuration"] == 7200

    roles = cli.json("iam", "list-roles", *admin)["Roles"]
    assert [r["RoleName"] for r in roles] == ["cross-account-readonly", "lambda-basic-execution"]


def _reader_is_denied_iam_writes(cli: Cli, account_id: str) -> None:
    reader = ("--profile", "reader")
    identity = cli.json("sts", "get-caller-identity", *reader)
    assert identity["Arn"] == f"arn:aws:iam::{account_id}:user/reader"

    message = cli.denied("iam", "create-user", "--user-name", "mallory", *reader)
    assert (
        "An error occurred (AccessDenied) when calling the CreateUser operation: "
        f"User: arn:aws:iam::{account_id}:user/reader is not authorized to perform: "
        f"iam:CreateUser on resource: arn:aws:iam::{account_id}:user/mallory "
        "because no identity-based policy allows the iam:CreateUser action"
    ) in message
    message = cli.denied(
        "iam", "attach-user-policy", "--user-name", "reader",
        "--policy-arn", ADMINISTRATOR_ACCESS, *reader,
    )  # fmt: skip
    # An existing user or role asked about by name is named so, not by its ARN, as AWS does.
    assert "iam:AttachUserPolicy on resource: user reader because" in message
    message = cli.denied("iam", "delete-role", "--role-name", "lambda-basic-execution", *reader)
    assert "iam:DeleteRole on resource: role lambda-basic-execution because" in message
    cli.denied("iam", "list-users", *reader)

    admin = ("--profile", "admin")
    users = cli.json("iam", "list-users", *admin)["Users"]
    assert [u["UserName"] for u in users] == ["admin", "reader"]
    attached = cli.json("iam", "list-attached-user-policies", "--user-name", "reader", *admin)
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [S3_READ_ONLY]
