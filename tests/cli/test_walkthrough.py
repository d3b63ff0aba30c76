"""The README's walk-through with the real AWS CLI: root creates a user and a key, the
user runs ``aws configure`` with it and ``aws sts get-caller-identity`` names the user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

AWS = str(Path(sys.executable).parent / "aws")


class Cli:
    """The AWS CLI with its own config files, as a person's shell would have."""

    def __init__(self, home: Path, endpoint: str) -> None:
        self.env = {
            **os.environ,
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_PAGER": "",
        }
        self.endpoint = endpoint

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [AWS, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--output", "json").stdout)

    def configure(self, profile: str, key_id: str, secret: str) -> None:
        self.run("configure", "set", "aws_access_key_id", key_id, "--profile", profile)
        self.run("configure", "set", "aws_secret_access_key", secret, "--profile", profile)
        self.run("configure", "set", "region", "us-east-1", "--profile", profile)
        self.run("configure", "set", "endpoint_url", self.endpoint, "--profile", profile)


@pytest.fixture
def cli(tmp_path: Path, server: Any) -> Cli:
    return Cli(tmp_path, server.endpoint)


def test_readme_walkthrough(cli: Cli, account: Any) -> None:
    cli.configure("root", account.access_key_id, account.secret_access_key)
    root = cli.json("sts", "get-caller-identity", "--profile", "root")
    assert root["Arn"] == f"arn:aws:iam::{account.account_id}:root"

    user = cli.json("iam", "create-user", "--user-name", "alice", "--profile", "root")["User"]
    key = cli.json("iam", "create-access-key", "--user-name", "alice", "--profile", "root")
    key_id = key["AccessKey"]["AccessKeyId"]
    cli.configure("alice", key_id, key["AccessKey"]["SecretAccessKey"])

    identity = cli.json("sts", "get-caller-identity", "--profile", "alice")
    assert identity["Arn"] == f"arn:aws:iam::{account.account_id}:user/alice"
    assert identity["UserId"] == user["UserId"]

    denied = cli.run("iam", "list-users", "--profile", "alice", check=False)
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr
    assert "no identity-based policy allows the iam:ListUsers action" in denied.stderr

    cli.run(
        "iam",
        "update-access-key",
        "--user-name",
        "alice",
        "--access-key-id",
        key_id,
        "--status",
        "Inactive",
        "--profile",
        "root",
    )
    inactive = cli.run("sts", "get-caller-identity", "--profile", "alice", check=False)
    assert inactive.returncode != 0
    assert "InvalidClientTokenId" in inactive.stderr

    cli.run(
        "iam",
        "delete-access-key",
        "--user-name",
        "alice",
        "--access-key-id",
        key_id,
        "--profile",
        "root",
    )
    keys = cli.json("iam", "list-access-keys", "--user-name", "alice", "--profile", "root")
    assert keys["AccessKeyMetadata"] == []
    users = cli.json("iam", "list-users", "--profile", "root")["Users"]
    assert [u["UserName"] for u in users] == ["alice"]
