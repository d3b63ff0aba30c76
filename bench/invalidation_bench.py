"""How soon a write on one node binds the requests another node answers.

    python scripts/with_postgres.py -- .venv/bin/python bench/invalidation_bench.py
    .venv/bin/python bench/invalidation_bench.py            # two nodes on one SQLite file

Starts two `iamd serve` processes (node A and node B) on one store — the throwaway
PostgreSQL of `with_postgres.py` when ``IAMD_TEST_DATABASE_URL`` is set, else one SQLite
file — sharing one master key. A user reads through B (GetUser, its caches warm).
Then, round after round: a policy is detached on A, and once A has answered, B is asked
until it denies; the policy is attached again on A, and B is asked until it allows.
Prints the delay from A's answer to B's first changed answer (median and worst), and
how many requests B answered the old way in between (0 means B's very next request
already saw the write).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
from run import ACCOUNT, KEY_ID, SECRET, free_port, scratch_dir, start, wait_ready

POLICY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


def node(port: int, data_dir: str, database_url: str | None) -> Any:
    store = ["--database-url", database_url] if database_url else []
    return start(
        [
            sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(port),
            "--data-dir", data_dir, *store, "--account-id", ACCOUNT,
            "--root-access-key-id", KEY_ID, "--root-secret-access-key", SECRET,
            "--log-level", "warning", "--no-audit-trail",
        ]
    )  # fmt: skip


def client(port: int, key_id: str, secret: str) -> Any:
    return boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def allowed(iam: Any) -> bool:
    try:
        iam.get_user()
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDenied":
            raise
        return False
    return True


def until(iam: Any, wanted: bool) -> tuple[float, int]:
    """Seconds until B answers ``wanted``, and how many answers before it were stale."""
    started, stale = time.perf_counter(), 0
    while allowed(iam) != wanted:
        stale += 1
        if time.perf_counter() - started > 10:
            raise SystemExit("node B never saw the write")
    return time.perf_counter() - started, stale


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=25)
    options = parser.parse_args()
    database_url = os.environ.get("IAMD_TEST_DATABASE_URL")
    data_dir = scratch_dir("iamd-invalidation-")
    ports = free_port(), free_port()
    # A starts (and migrates the store) first; B joins the same store.
    nodes = [node(ports[0], data_dir, database_url)]
    try:
        wait_ready(f"http://127.0.0.1:{ports[0]}/healthz")
        nodes.append(node(ports[1], data_dir, database_url))
        wait_ready(f"http://127.0.0.1:{ports[1]}/healthz")
        report(options.rounds, ports, "PostgreSQL" if database_url else "SQLite (one file)")
    finally:
        for process in nodes:
            process.terminate()


def report(rounds: int, ports: tuple[int, int], store: str) -> None:
    admin = client(ports[0], KEY_ID, SECRET)
    admin.create_user(UserName="reader")
    admin.attach_user_policy(UserName="reader", PolicyArn=POLICY)
    key = admin.create_access_key(UserName="reader")["AccessKey"]
    reader = client(ports[1], key["AccessKeyId"], key["SecretAccessKey"])
    for _ in range(20):  # B's caches: the key, the user, the compiled policies
        assert allowed(reader)
    revoked: list[tuple[float, int]] = []
    granted: list[tuple[float, int]] = []
    for _ in range(rounds):
        admin.detach_user_policy(UserName="reader", PolicyArn=POLICY)
        revoked.append(until(reader, False))
        admin.attach_user_policy(UserName="reader", PolicyArn=POLICY)
        granted.append(until(reader, True))
    print(f"store: {store}; {rounds} rounds; delay from A's answer to B's changed answer")
    print(f"{'write on A':22} {'median ms':>10} {'worst ms':>9} {'stale answers':>14}")
    for name, delays in (("DetachUserPolicy", revoked), ("AttachUserPolicy", granted)):
        seconds = [delay for delay, _ in delays]
        stale = sum(count for _, count in delays)
        median, worst = statistics.median(seconds) * 1000, max(seconds) * 1000
        print(f"{name:22} {median:10.1f} {worst:9.1f} {stale:14d}")


if __name__ == "__main__":
    main()
