"""The AWS CLI and boto3 assume roles by themselves from a profile, through iamd."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

AWS = str(Path(sys.executable).with_name("aws"))


def _write_config(path: Path, base: Any, role_arn: str, **role_settings: str) -> None:
    lines = [
        "[profile base]",
        f"aws_access_key_id = {base.key_id}",
        f"aws_secret_access_key = {base.secret}",
        "region = us-east-1",
        "",
        "[profile role]",
        f"role_arn = {role_arn}",
        "source_profile = base",
        "region = us-east-1",
        *(f"{name} = {value}" for name, value in role_settings.items()),
        "",
    ]
    path.write_text("\n".join(lines))


def _cli(server: Any, config: Path, *args: str, stdin: str = "") -> dict[str, Any]:
    env = {
        **os.environ,
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(config.with_suffix(".credentials")),
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_PAGER": "",
        "HOME": str(config.parent),  # the CLI's credential cache stays in the test's folder
    }
    answer = subprocess.run(
        [AWS, "--profile", "role", "--output", "json", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        start_new_session=True,  # no controlling terminal: the MFA prompt reads stdin
    )
    assert answer.returncode == 0, answer.stderr
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


def test_cli_profile_with_external_id_and_mfa(
    server: Any,
    tmp_path: Path,
    new_user: Any,
    new_role: Any,
    trust_doc: Any,
    allow_doc: Any,
    enable_mfa: Any,
    account: Any,
) -> None:
    alice = new_user("alice")
    device = enable_mfa("alice")
    condition = {
        "StringEquals": {"sts:ExternalId": "ext-7"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }
    role = new_role(
        "cli-role",
        trust_doc({"AWS": alice.arn}, Condition=condition),
        policy=allow_doc("iam:ListUsers"),
    )
    config = tmp_path / "config"
    _write_config(config, alice, role["Arn"], external_id="ext-7", mfa_serial=device.serial)
    code = device.next_code()
    identity = _cli(server, config, "sts", "get-caller-identity", stdin=code + "\n")
    assert identity["Arn"].startswith(f"arn:aws:sts::{account.account_id}:assumed-role/cli-role/")
    users = _cli(server, config, "iam", "list-users", stdin=device.next_code() + "\n")
    assert [user["UserName"] for user in users["Users"]] == ["alice"]


def test_boto3_assume_role_provider(
    server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    new_user: Any,
    new_role: Any,
    trust_doc: Any,
    allow_doc: Any,
    account: Any,
) -> None:
    alice = new_user("alice")
    role = new_role("sdk-role", trust_doc({"AWS": alice.arn}), policy=allow_doc("iam:ListRoles"))
    config = tmp_path / "config"
    _write_config(config, alice, role["Arn"], role_session_name="sdk-session")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
    session = boto3.Session(profile_name="role")
    assert session.get_credentials().method == "assume-role"
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/sdk-role/sdk-session"
    assert [r["RoleName"] for r in session.client("iam").list_roles()["Roles"]] == ["sdk-role"]


def test_plain_chain_of_assume_role_calls(
    new_user: Any,
    new_role: Any,
    trust_doc: Any,
    allow_doc: Any,
    make_client: Any,
    as_session: Any,
) -> None:
    alice = new_user("alice")
    hops = [new_role("hop1", trust_doc({"AWS": alice.arn}))]
    hops.append(new_role("hop2", trust_doc({"AWS": hops[0]["Arn"]})))
    hops.append(
        new_role("hop3", trust_doc({"AWS": hops[1]["Arn"]}), policy=allow_doc("iam:ListRoles"))
    )
    sts = make_client("sts", alice.key_id, alice.secret)
    for number, role in enumerate(hops, start=1):
        answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=f"hop-{number}")
        sts = as_session("sts", answer)
    assert sts.get_caller_identity()["Arn"].endswith(":assumed-role/hop3/hop-3")
    assert len(as_session("iam", answer).list_roles()["Roles"]) == 3
