"""What a response acknowledged survives a restart of the server."""

from __future__ import annotations

from pathlib import Path

from support import BOOTSTRAP, start_server


def test_data_survives_restart(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        iam = first.client("iam", BOOTSTRAP.access_key_id, BOOTSTRAP.secret_access_key)
        iam.create_user(UserName="durable", Tags=[{"Key": "k", "Value": "v"}])
        key = iam.create_access_key(UserName="durable")["AccessKey"]
    finally:
        first.stop()
    second = start_server(tmp_path, database_url=first.database_url)
    try:
        iam = second.client("iam", BOOTSTRAP.access_key_id, BOOTSTRAP.secret_access_key)
        user = iam.get_user(UserName="durable")["User"]
        assert user["Tags"] == [{"Key": "k", "Value": "v"}]
        sts = second.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
        assert sts.get_caller_identity()["Arn"].endswith(":user/durable")
    finally:
        second.stop()
