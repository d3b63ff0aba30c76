"""Least privilege from the trail: generate from a recorded workload, then replay it.

The generated policy, attached to a fresh user, must let the same workload run and
refuse what the workload never did; it never reaches further than the principal's
own policies reached.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from audit.conftest import Trail, allow, deny, document, drained
from iamd.audit.generate import generate_policy, principal_of
from iamd.audit.unused import unused
from support import IamdServer, RootCredential, error_of

TAGS = [{"Key": "team", "Value": "blue"}]


def _keyed_user(server: IamdServer, iam: Any, name: str, policy: str) -> Any:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="grant", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def _workload(client: Any) -> None:
    client.create_user(UserName="app-1", Tags=TAGS)
    client.create_user(UserName="app-2", Tags=TAGS)
    client.get_user(UserName="app-1")
    client.list_users()
    client.create_group(GroupName="ops")
    client.add_user_to_group(GroupName="ops", UserName="app-1")


def _undo(iam: Any) -> None:
    iam.remove_user_from_group(GroupName="ops", UserName="app-1")
    iam.delete_group(GroupName="ops")
    for name in ("app-1", "app-2"):
        iam.delete_user(UserName=name)


def _cli_generate(server: IamdServer, arn: str) -> dict[str, Any]:
    drained(server)
    store = ["--database-url", server.database_url] if server.database_url else []
    store = store or ["--data-dir", str(server.data_dir)]
    command = [sys.executable, "-m", "iamd.cli.main", "policy", "generate", "--principal", arn]
    answer = subprocess.run(
        [*command, "--since", "1d", *store], capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 0, answer.stderr
    generated: dict[str, Any] = json.loads(answer.stdout)
    return generated


def _generate(server: IamdServer, arn: str) -> dict[str, Any]:
    drained(server)
    db, _ = server.open_store()
    try:
        with db.transaction(write=False) as conn:
            since = datetime.now(UTC) - timedelta(days=1)
            return generate_policy(conn, principal_of(conn, arn), since=since)
    finally:
        db.dispose()


def _denied(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"] == "AccessDenied"
    return False


def _settle(trail: Trail) -> None:
    """The workload's reads are batched: wait until they are on the trail."""
    trail.wait_for("ListUsers", where=lambda r: r["userIdentity"].get("userName") == "builder")
    trail.wait_for("GetUser", where=lambda r: r["userIdentity"].get("userName") == "builder")


def test_the_generated_policy_replays_the_workload_and_nothing_else(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    builder = _keyed_user(server, iam, "builder", document(allow("iam:*")))
    _workload(builder)
    _settle(trail)
    arn = iam.get_user(UserName="builder")["User"]["Arn"]
    generated = _cli_generate(server, arn)

    users = f"arn:aws:iam::{account.account_id}:user/"
    by_action = {}
    for statement in generated["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        for action in actions:
            by_action[action] = statement["Resource"]
    assert by_action["iam:CreateUser"] == by_action["iam:TagUser"] == users + "app-*"
    assert by_action["iam:GetUser"] == users + "app-1"
    assert "iam:PutUserPolicy" not in by_action and "iam:CreateAccessKey" not in by_action

    _undo(iam)
    replayer = _keyed_user(server, iam, "replayer", json.dumps(generated))
    _workload(replayer)  # everything the workload did is allowed again
    assert _denied(lambda: replayer.delete_user(UserName="app-2"))
    assert _denied(lambda: replayer.create_user(UserName="outsider"))
    assert _denied(lambda: replayer.list_roles())


def test_resources_are_not_generalized_past_what_the_principal_was_granted(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    users = f"arn:aws:iam::{account.account_id}:user/"
    exact = document(allow("iam:CreateUser", [users + "app-1", users + "app-2"]))
    builder = _keyed_user(server, iam, "builder", exact)
    builder.create_user(UserName="app-1")
    builder.create_user(UserName="app-2")
    (statement,) = _generate(server, iam.get_user(UserName="builder")["User"]["Arn"])["Statement"]
    assert statement["Resource"] == [users + "app-1", users + "app-2"]


def test_a_deny_keeps_resources_exact(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    users = f"arn:aws:iam::{account.account_id}:user/"
    policy = document(allow("iam:CreateUser"), deny("iam:CreateUser", users + "app-admin"))
    builder = _keyed_user(server, iam, "builder", policy)
    builder.create_user(UserName="app-1")
    builder.create_user(UserName="app-2")
    (statement,) = _generate(server, iam.get_user(UserName="builder")["User"]["Arn"])["Statement"]
    assert statement["Resource"] == [users + "app-1", users + "app-2"]


def test_a_condition_every_use_satisfied_is_kept(
    server: IamdServer, iam: Any, trail: Trail
) -> None:
    tagged = {"StringEquals": {"aws:RequestTag/team": "blue"}}
    policy = document(allow(["iam:CreateUser", "iam:TagUser"], Condition=tagged))
    builder = _keyed_user(server, iam, "builder", policy)
    builder.create_user(UserName="app-1", Tags=TAGS)
    generated = _generate(server, iam.get_user(UserName="builder")["User"]["Arn"])
    (statement,) = generated["Statement"]
    assert statement["Condition"] == tagged
    assert sorted(statement["Action"]) == ["iam:CreateUser", "iam:TagUser"]


def test_denied_calls_grant_nothing(server: IamdServer, iam: Any, trail: Trail) -> None:
    builder = _keyed_user(server, iam, "builder", document(allow("iam:ListUsers")))
    with pytest.raises(ClientError) as excinfo:
        builder.list_groups()
    assert error_of(excinfo)[0] == "AccessDenied"
    builder.list_users()
    trail.wait_for("ListUsers")
    trail.wait_for("ListGroups")
    generated = _generate(server, iam.get_user(UserName="builder")["User"]["Arn"])
    assert [s["Action"] for s in generated["Statement"]] == ["iam:ListUsers"]


def test_unused_lists_what_was_never_used(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    builder = _keyed_user(server, iam, "builder", document(allow(["iam:ListUsers", "iam:GetUser"])))
    builder.list_users()
    trail.wait_for("ListUsers")
    drained(server)
    db, _ = server.open_store()
    try:
        with db.transaction(write=False) as conn:
            later = datetime.now(UTC) + timedelta(days=1)  # everything is a day old then
            findings = unused(conn, account.account_id, days=1, now=later)
            today = unused(conn, account.account_id, days=1, now=datetime.now(UTC))
    finally:
        db.dispose()
    kinds = {(f["kind"], f.get("action") or f.get("service") or "") for f in findings}
    assert ("user", "") in kinds  # builder's one call is now more than a day ago
    assert ("access-key", "") in kinds
    assert ("action", "iam:GetUser") in kinds
    assert ("action", "iam:ListUsers") in kinds
    assert {f["kind"] for f in today} <= {"action", "service"}  # nothing is a day old yet
    assert ("action", "iam:GetUser") in {(f["kind"], f.get("action")) for f in today}
    assert ("action", "iam:ListUsers") not in {(f["kind"], f.get("action")) for f in today}
