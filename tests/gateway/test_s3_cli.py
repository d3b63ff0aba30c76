"""The real AWS CLI through the gateway: ``aws s3 ls/cp/sync/rm/presign`` and ``aws s3api``,
as the seeds' ``reader`` (AmazonS3ReadOnlyAccess) and a writer would run them."""

from __future__ import annotations

import os
import secrets
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from gateway_support import GatewayProcess, aws_cli

READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"


@pytest.fixture
def people(iam: Any) -> dict[str, tuple[str, str]]:
    found = {}
    for name, policy in (("reader", READ_ONLY), ("writer", FULL)):
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        found[name] = (key["AccessKeyId"], key["SecretAccessKey"])
    return found


@pytest.fixture
def cli_config(tmp_path: Path) -> Path:
    """``aws s3 presign`` signs with SigV4 only when told to."""
    config = tmp_path / "config"
    config.write_text(
        "[default]\ns3 =\n    signature_version = s3v4\n    addressing_style = path\n"
    )
    return config


def test_the_cli_round_trip(
    s3_gateway: GatewayProcess, people: dict[str, tuple[str, str]], tmp_path: Path,
    cli_config: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cli_config))
    writer, reader = people["writer"], people["reader"]
    bucket = "iamd-" + secrets.token_hex(6)

    def run(who: tuple[str, str], *args: str) -> Any:
        return aws_cli(s3_gateway, *who, *args)

    assert run(writer, "s3", "mb", f"s3://{bucket}").returncode == 0
    source = tmp_path / "site"
    (source / "docs").mkdir(parents=True)
    (source / "index.html").write_text("<h1>hello</h1>")
    (source / "docs" / "guide.txt").write_text("guide")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * 1024 * 1024))  # multipart upload (8 MB parts)
    synced = run(writer, "s3", "sync", str(source), f"s3://{bucket}/site")
    assert synced.returncode == 0, synced.stderr
    copied = run(writer, "s3", "cp", str(big), f"s3://{bucket}/big.bin")
    assert copied.returncode == 0, copied.stderr

    listing = run(reader, "s3", "ls", f"s3://{bucket}/site/", "--recursive")
    assert listing.returncode == 0, listing.stderr
    assert "site/index.html" in listing.stdout and "site/docs/guide.txt" in listing.stdout
    fetched = tmp_path / "fetched.bin"
    got = run(reader, "s3", "cp", f"s3://{bucket}/big.bin", str(fetched))
    assert got.returncode == 0, got.stderr
    assert fetched.read_bytes() == big.read_bytes()
    buckets = run(reader, "s3", "ls")
    assert bucket in buckets.stdout

    refused = run(reader, "s3", "cp", str(source / "index.html"), f"s3://{bucket}/evil.html")
    assert refused.returncode != 0
    assert "AccessDenied" in refused.stderr
    assert "because no identity-based policy allows the s3:PutObject action" in " ".join(
        refused.stderr.split()
    )
    not_removed = run(reader, "s3", "rm", f"s3://{bucket}/site/index.html")
    assert not_removed.returncode != 0 and "AccessDenied" in not_removed.stderr

    presigned = run(reader, "s3", "presign", f"s3://{bucket}/site/index.html", "--expires-in", "60")
    assert presigned.returncode == 0, presigned.stderr
    with urllib.request.urlopen(presigned.stdout.strip()) as answer:
        assert answer.read() == b"<h1>hello</h1>"

    head = run(reader, "s3api", "head-object", "--bucket", bucket, "--key", "site/index.html")
    assert head.returncode == 0 and '"ContentLength": 14' in head.stdout
    tagging = run(writer, "s3api", "put-object-tagging", "--bucket", bucket, "--key", "big.bin",
                  "--tagging", "TagSet=[{Key=team,Value=blue}]")  # fmt: skip
    assert tagging.returncode == 0, tagging.stderr

    removed = run(writer, "s3", "rm", f"s3://{bucket}", "--recursive")
    assert removed.returncode == 0, removed.stderr
    assert run(writer, "s3", "rb", f"s3://{bucket}").returncode == 0
