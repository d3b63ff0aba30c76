"""Terraform's AWS provider against iamd: apply, a plan with no changes, destroy.

Offline: the provider comes from the filesystem mirror on the machine image (found
below, or named by ``IAMD_TF_PROVIDER_MIRROR``), through a CLI config file the test
writes. Each configuration (``*.tf`` beside this file) runs in a directory of its own
with the provider's debug log in it; a failing command reports the provider's HTTP
exchanges with iamd and the server's log.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from iamd.accounts import RootCredential
from support import IamdServer

TERRAFORM = shutil.which("terraform")
FIXTURES = Path(__file__).parent
PROVIDER = Path("registry.terraform.io/hashicorp/aws")
LOG_ENTRY = re.compile(r"\n(?=\d{4}-\d\d-\d\dT)")  # TF_LOG entries span lines
STATUS_200 = re.compile(r"http\.status_code=200\b")
MIRROR_CANDIDATES = (
    Path.home() / ".terraform.d/plugins",
    Path("/opt/tf-plugins"),
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
    Path.home() / ".local/share/terraform/plugins",
)

pytestmark = pytest.mark.skipif(
    TERRAFORM is None,
    reason="terraform is not installed: these tests run Terraform's AWS provider against iamd",
)


def provider_mirror() -> Path:
    """The filesystem mirror holding hashicorp/aws; a missing one fails, naming where we looked."""
    named = os.environ.get("IAMD_TF_PROVIDER_MIRROR")
    candidates = (Path(named),) if named else MIRROR_CANDIDATES
    for mirror in candidates:
        if any((mirror / PROVIDER).glob("*/*/terraform-provider-aws*")):
            return mirror
    looked = ", ".join(str(c) for c in candidates)
    pytest.fail(f"terraform is installed but no hashicorp/aws provider mirror found in {looked}")


def cli_config(directory: Path, mirror: Path) -> Path:
    """A CLI config that installs providers from the mirror only: no network."""
    path = directory / "terraformrc"
    path.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{mirror}"\n'
        f'    include = ["{PROVIDER}"]\n  }}\n'
        "}\n"
    )
    return path


class Terraform:
    """One configuration in a working directory of its own, run with the real CLI."""

    def __init__(self, workdir: Path, server: IamdServer, variables: dict[str, str]) -> None:
        self.workdir = workdir
        self.server = server
        self.log_path = workdir / "terraform.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TF_")},
            "TF_CLI_CONFIG_FILE": str(cli_config(workdir, provider_mirror())),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "TF_LOG": "DEBUG",
            "TF_LOG_PATH": str(self.log_path),
            **{f"TF_VAR_{name}": value for name, value in variables.items()},
        }

    def run(self, *args: str, codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        assert TERRAFORM is not None
        result = subprocess.run(
            [TERRAFORM, *args, "-no-color"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode not in codes:
            raise AssertionError(self._report(args, result))
        return result

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout)
        return {name: entry["value"] for name, entry in raw.items()}

    def _report(self, args: tuple[str, ...], result: subprocess.CompletedProcess[str]) -> str:
        return (
            f"terraform {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}\n"
            f"--- iamd's answers other than 200 (provider log)\n{self._failed_exchanges()}\n"
            f"--- iamd server log\n{self.server.log()[-4000:]}"
        )

    def _failed_exchanges(self) -> str:
        """Every answer of iamd other than 200 in the provider's log, with its operation."""
        if not self.log_path.exists():
            return "(no log)"
        entries = LOG_ENTRY.split(self.log_path.read_text(errors="replace"))
        failed = [
            entry
            for entry in entries
            if "HTTP Response Received" in entry and not STATUS_200.search(entry)
        ]
        return "\n".join(_exchange(entry) for entry in failed)[-8000:] or "(none)"


def _exchange(entry: str) -> str:
    method = re.search(r"rpc\.method=(\w+)", entry)
    status = re.search(r"http\.status_code=(\d+)", entry)
    body = re.search(r"<ErrorResponse.*?</ErrorResponse>", entry, re.S)
    return " ".join(
        [
            method.group(1) if method else "?",
            status.group(1) if status else "?",
            body.group(0) if body else entry[:1000],
        ]
    )


def configuration(workdir: Path, fixture: str) -> None:
    shutil.copy(FIXTURES / fixture, workdir / "main.tf")


def root_variables(server: IamdServer, account: RootCredential) -> dict[str, str]:
    return {
        "endpoint": server.endpoint,
        "access_key": account.access_key_id,
        "secret_key": account.secret_access_key,
    }


def assert_no_changes(terraform: Terraform) -> None:
    """A plan right after apply: nothing to do, and nothing read back differently."""
    plan = terraform.run("plan", "-detailed-exitcode", codes=(0, 2))
    assert plan.returncode == 0, f"plan after apply is not empty:\n{plan.stdout}"
    assert "No changes." in plan.stdout
    assert "changed outside of Terraform" not in plan.stdout, plan.stdout


def assert_account_empty(iam: Any) -> None:
    assert iam.list_users()["Users"] == []
    assert iam.list_groups()["Groups"] == []
    assert iam.list_roles()["Roles"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_apply_plan_destroy(
    tmp_path: Path, server: IamdServer, account: RootCredential, iam: Any
) -> None:
    other_account = server.new_account().account_id
    configuration(tmp_path, "entities.tf")
    variables = {**root_variables(server, account), "other_account": other_account}
    terraform = Terraform(tmp_path, server, variables)

    terraform.run("init", "-backend=false")
    terraform.run("apply", "-auto-approve")
    _assert_applied(iam, server, account.account_id, other_account, terraform.outputs())

    assert_no_changes(terraform)

    terraform.run("destroy", "-auto-approve")
    assert_account_empty(iam)


def _assert_applied(
    iam: Any, server: IamdServer, account_id: str, other_account: str, outputs: dict[str, Any]
) -> None:
    group = iam.get_group(GroupName="admins")
    assert [u["UserName"] for u in group["Users"]] == ["admin"]
    attached = iam.list_attached_group_policies(GroupName="admins")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]

    profile = iam.get_login_profile(UserName="admin")["LoginProfile"]
    assert profile["PasswordResetRequired"] is True
    assert len(outputs["admin_password"]) == 24
    keys = iam.list_access_keys(UserName="admin")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [outputs["admin_access_key_id"]]
    sts = server.client("sts", outputs["admin_access_key_id"], outputs["admin_secret_access_key"])
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account_id}:user/admin"
    tags = iam.list_user_tags(UserName="admin")["Tags"]
    assert tags == [{"Key": "team", "Value": "platform"}]

    policy_arn = f"arn:aws:iam::{account_id}:policy/app/reports-read"
    policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    assert policy["AttachmentCount"] == 2
    assert policy["Description"] == "Read the reports bucket"
    reader = iam.list_attached_user_policies(UserName="reader")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in reader] == [policy_arn]

    lambda_role = iam.get_role(RoleName="lambda-basic-execution")["Role"]
    statement = lambda_role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName="lambda-basic-execution")
    assert sorted(p["PolicyName"] for p in attached["AttachedPolicies"]) == [
        "AWSLambdaBasicExecutionRole",
        "reports-read",
    ]
    cross = iam.get_role(RoleName="cross-account-readonly")["Role"]
    assert cross["MaxSessionDuration"] == 7200
    principal = cross["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"AWS": f"arn:aws:iam::{other_account}:root"}


def test_provider_assume_role(
    tmp_path: Path, server: IamdServer, account: RootCredential, iam: Any
) -> None:
    role_arn = _deployment_role(iam, account.account_id)
    # AWS refuses AssumeRole to root ("Roles may not be assumed by root accounts."):
    # the provider signs in as an IAM user allowed to assume the role.
    iam.create_user(UserName="ci")
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}
    iam.put_user_policy(
        UserName="ci",
        PolicyName="assume-terraform",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}),
    )
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    configuration(tmp_path, "assume_role.tf")
    variables = {
        "endpoint": server.endpoint,
        "access_key": key["AccessKeyId"],
        "secret_key": key["SecretAccessKey"],
        "role_arn": role_arn,
    }
    terraform = Terraform(tmp_path, server, variables)

    terraform.run("init", "-backend=false")
    terraform.run("apply", "-auto-approve")
    attached = iam.list_attached_user_policies(UserName="deployer")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["deploy"]
    assert_no_changes(terraform)

    terraform.run("destroy", "-auto-approve")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["ci"]
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["terraform"]


def _deployment_role(iam: Any, account_id: str) -> str:
    """A role the account's IAM users may assume (if allowed to), with AdministratorAccess."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="terraform", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(
        RoleName="terraform", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    return str(role["Role"]["Arn"])
