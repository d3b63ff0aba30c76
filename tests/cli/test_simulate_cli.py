"""``iamd simulate`` as a person runs it: policy files in, decisions and the statements
that made them out — in-process, and against a live server with a profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from iamd.cli.main import main

ADMIN = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ManageUsers",
      "Effect": "Allow",
      "Action": "iam:*User*",
      "Resource": "*"
    },
    {
      "Effect": "Deny",
      "Action": "iam:DeleteUser",
      "Resource": "arn:aws:iam::*:user/admins/*"
    }
  ]
}
"""
BOUNDARY = """{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "iam:*",
    "Resource": "*",
    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
  }
}
"""
BOB = "arn:aws:iam::111122223333:user/bob"
ADMIN_ARN = "arn:aws:iam::111122223333:user/admins/root-ish"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "admin.json").write_text(ADMIN)
    (tmp_path / "boundary.json").write_text(BOUNDARY)
    (tmp_path / "broken.json").write_text('{"Statement": 1}')
    return tmp_path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["simulate", *args], env=env)


def test_an_allowed_action_names_the_statement_by_file_sid_and_lines(files: Path) -> None:
    result = run("--policy", str(files / "admin.json"), "--action", "iam:CreateUser")
    assert result.exit_code == 0, result.output
    assert result.output == (
        'iam:CreateUser on *: allowed\n  allowed by admin.json, Sid "ManageUsers" (lines 4-9)\n'
    )


def test_an_explicit_deny_names_the_deny_and_exits_1(files: Path) -> None:
    result = run(
        "--policy", str(files / "admin.json"),
        "--action", "iam:DeleteUser",
        "--resource", BOB,
        "--resource", ADMIN_ARN,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output == (
        f"iam:DeleteUser on {BOB}: allowed\n"
        '  allowed by admin.json, Sid "ManageUsers" (lines 4-9)\n'
        f"iam:DeleteUser on {ADMIN_ARN}: explicitDeny\n"
        "  denied by admin.json, statement 2 (lines 10-14)\n"
    )


def test_a_boundary_and_context_keys(files: Path) -> None:
    common = [
        "--policy", str(files / "admin.json"),
        "--boundary", str(files / "boundary.json"),
        "--action", "iam:GetUser",
    ]  # fmt: skip
    inside = run(*common, "--context", "aws:SourceIp=10.1.2.3")
    assert inside.exit_code == 0
    assert "  the permissions boundary allows it\n" in inside.output
    outside = run(*common)
    assert outside.exit_code == 1
    assert outside.output == (
        "iam:GetUser on *: implicitDeny\n"
        "  the permissions boundary does not allow it\n"
        "  missing context values: aws:SourceIp\n"
    )


def test_nothing_allows_an_unmentioned_action(files: Path) -> None:
    result = run("--policy", str(files / "admin.json"), "--action", "s3:GetObject")
    assert result.exit_code == 1
    assert result.output == "s3:GetObject on *: implicitDeny\n  no statement allows it\n"


def test_json_prints_aws_evaluation_results(files: Path) -> None:
    result = run("--policy", str(files / "admin.json"), "--action", "iam:CreateUser", "--json")
    (evaluation,) = json.loads(result.output)
    assert evaluation["EvalDecision"] == "allowed"
    assert evaluation["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert evaluation["MatchedStatements"][0]["StartPosition"] == {"Line": 4, "Column": 6}


def test_a_resource_policy_grants_to_the_caller_it_names(files: Path) -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "BobReads",
            "Effect": "Allow",
            "Principal": {"AWS": BOB},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared/*",
        },
    }
    (files / "bucket.json").write_text(json.dumps(bucket, indent=2))
    args = [
        "--policy", str(files / "admin.json"),
        "--resource-policy", str(files / "bucket.json"),
        "--action", "s3:GetObject",
        "--resource", "arn:aws:s3:::shared/report.csv",
    ]  # fmt: skip
    result = run(*args, "--caller-arn", BOB, "--resource-owner", "111122223333")
    assert result.exit_code == 0, result.output
    assert 'allowed by bucket.json, Sid "BobReads" (lines 3-11)' in result.output
    assert run(*args).exit_code == 2  # a resource policy needs to know the caller


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "{dir}/broken.json", "--action", "iam:GetUser"], "broken.json: Syntax"),
        (["--action", "iam:GetUser"], "at least one --policy"),
        (["--policy", "{dir}/admin.json", "--action", "iam:*"], "InvalidInput"),
        (["--policy", "{dir}/admin.json", "--action", "a:b", "--context", "novalue"], "KEY=VALUE"),
        (["--principal", BOB, "--action", "iam:GetUser"], "needs --endpoint"),
    ],
)
def test_mistakes_are_errors_with_exit_2(files: Path, args: list[str], message: str) -> None:
    result = run(*[arg.format(dir=files) for arg in args])
    assert result.exit_code == 2
    assert message in result.output


# --- against a server ---------------------------------------------------------------------


@pytest.fixture
def profile_env(tmp_path: Path, account: Any) -> dict[str, str]:
    """A person's AWS config with a profile for the account's root key."""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[iamd]\n"
        f"aws_access_key_id = {account.access_key_id}\n"
        f"aws_secret_access_key = {account.secret_access_key}\n"
    )
    config = tmp_path / "config"
    config.write_text("[profile iamd]\nregion = us-east-1\n")
    return {"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_CONFIG_FILE": str(config)}


def test_a_server_answers_as_in_process(
    files: Path, server: Any, account: Any, profile_env: dict[str, str]
) -> None:
    mine = account.account_id  # without --caller-arn the server's caller is the account
    args = [
        "--policy", str(files / "admin.json"),
        "--action", "iam:DeleteUser",
        "--resource", BOB.replace("111122223333", mine),
        "--resource", ADMIN_ARN.replace("111122223333", mine),
    ]  # fmt: skip
    local = run(*args)
    remote = run(*args, "--endpoint", server.endpoint, "--profile", "iamd", env=profile_env)
    assert remote.exit_code == local.exit_code == 1
    assert remote.output == local.output


def test_a_principals_real_policies_on_a_server(
    iam: Any, account: Any, server: Any, profile_env: dict[str, str]
) -> None:
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="Reads", PolicyDocument=ADMIN)
    alice = f"arn:aws:iam::{account.account_id}:user/alice"
    result = run(
        "--principal", alice,
        "--action", "iam:GetUser",
        "--endpoint", server.endpoint,
        "--profile", "iamd",
        env=profile_env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == (
        "iam:GetUser on *: allowed\n  allowed by user_alice_Reads (lines 4-9)\n"
    )


def test_a_server_error_is_reported(server: Any, profile_env: dict[str, str]) -> None:
    result = run(
        "--principal", "arn:aws:iam::111122223333:user/nobody",
        "--action", "iam:GetUser",
        "--endpoint", server.endpoint,
        "--profile", "iamd",
        env=profile_env,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "NoSuchEntity" in result.output


API = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5"


def test_s3_and_execute_api_actions_with_the_gateways_keys(tmp_path: Path) -> None:
    """The same actions, ARNs and condition keys as `iamd gateway` decides with."""
    (tmp_path / "data.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "HomeListing", "Effect": "Allow", "Action": "s3:ListBucket",
                     "Resource": "arn:aws:s3:::reports",
                     "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}},
                    {"Sid": "Pets", "Effect": "Allow", "Action": "execute-api:Invoke",
                     "Resource": f"{API}/prod/GET/pets/*"},
                ],
            }
        )
    )  # fmt: skip
    policy = ["--policy", str(tmp_path / "data.json"), "--context", "aws:username=bob"]
    listing = ["--action", "s3:ListBucket", "--resource", "arn:aws:s3:::reports"]
    allowed = run(*policy, *listing, "--context", "s3:prefix=home/bob/")
    assert allowed.exit_code == 0, allowed.output
    assert 'allowed by data.json, Sid "HomeListing"' in allowed.output
    assert run(*policy, *listing, "--context", "s3:prefix=home/alice/").exit_code == 1
    pets = f"{API}/prod"
    invoke = ["--action", "execute-api:Invoke"]
    assert run(*policy, *invoke, "--resource", f"{pets}/GET/pets/7").exit_code == 0
    assert run(*policy, *invoke, "--resource", f"{pets}/DELETE/pets/7").exit_code == 1
