"""``iamd serve`` on an empty data dir creates an account and a root key, prints the
secret once, and keeps it nowhere in clear text."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest

from support import IamdServer, first_traceback, fresh_database_url


def _serve_without_bootstrap(data_dir: Path, database_url: str | None) -> IamdServer:
    class Unbootstrapped(IamdServer):
        def command(self) -> list[str]:
            args = [sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(self.port)]
            args += ["--data-dir", str(self.data_dir), "--log-level", "warning"]
            if self.database_url:
                args += ["--database-url", self.database_url]
            return args

    return Unbootstrapped(data_dir, database_url).start()


def _printed_credential(log: str) -> tuple[str, str, str]:
    account = re.search(r"Account id:\s+(\d{12})", log)
    key_id = re.search(r"Root access key id:\s+(AKIA[A-Z0-9]{16})", log)
    secret = re.search(r"Root secret access key:\s+(\S{40})", log)
    assert account and key_id and secret, log
    return account.group(1), key_id.group(1), secret.group(1)


def _printed_login_link(log: str, endpoint: str) -> str:
    """The one-time link the first start prints for the root user's console login."""
    found = re.search(re.escape(endpoint) + r"/console/root-login/\S+", log)
    assert found is not None and "iamd account set-root-login" in log, log
    return found.group(0)


def test_first_start_prints_a_working_root_key_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    database_url = fresh_database_url()
    first = _serve_without_bootstrap(data_dir, database_url)
    try:
        account_id, key_id, secret = _printed_credential(first.log())
        assert "aws configure" in first.log()
        sts = boto3.client(
            "sts",
            endpoint_url=first.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
        )
        assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account_id}:root"
        link = _printed_login_link(first.log(), first.endpoint)
        with urllib.request.urlopen(link, timeout=10) as page:
            assert "Set up root user sign-in" in page.read().decode()
    finally:
        first.stop()
    master_key = (data_dir / "master.key").stat()
    assert master_key.st_mode & 0o777 == 0o600
    if database_url is None:
        stored = (data_dir / "iamd.sqlite3").read_bytes()
        assert secret.encode() not in stored
    second = _serve_without_bootstrap(data_dir, database_url)
    try:
        assert secret not in second.log()
        assert "Root secret access key" not in second.log()
        assert "/console/root-login/" not in second.log()
    finally:
        second.stop()


def test_account_create_prints_a_new_root_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    database_url = fresh_database_url()
    args = [
        sys.executable,
        "-m",
        "iamd.cli.main",
        "account",
        "create",
        "--email",
        "ops@example.com",
    ]
    args += ["--data-dir", str(data_dir)]
    if database_url:
        args += ["--database-url", database_url]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    account_id, key_id, secret = _printed_credential(result.stdout)
    assert f"iamd account set-root-login --account-id {account_id}" in result.stdout
    server = _serve_without_bootstrap(data_dir, database_url)
    try:
        assert "Root secret access key" not in server.log()
        iam = server.client("iam", key_id, secret)
        assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{account_id}:root"
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("account_id", "key_id", "complaint"),
    [
        ("1234", "AKIAIAMDTESTROOT0001", "--account-id"),
        ("1111222233334444", "AKIAIAMDTESTROOT0001", "--account-id"),
        ("111122223333", "A" * 129, "--root-access-key-id"),
        ("111122223333", "AKIA-with-dash", "--root-access-key-id"),
    ],
)
def test_a_bootstrap_credential_the_store_cannot_hold_is_refused_at_once(
    tmp_path: Path, account_id: str, key_id: str, complaint: str
) -> None:
    args = [sys.executable, "-m", "iamd.cli.main", "serve", "--data-dir", str(tmp_path)]
    args += ["--account-id", account_id, "--root-access-key-id", key_id]
    args += ["--root-secret-access-key", "secret"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr and first_traceback(result.stderr) is None
    assert not (tmp_path / "iamd.sqlite3").exists()
