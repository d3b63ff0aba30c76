"""Requests per second of iamd (GetUser, GetCallerIdentity, SigV4-verified) against a
minimal Starlette endpoint doing no work, measured in the same run, as a ratio.

    .venv/bin/python bench/run.py [--seconds 10] [--connections 4]

Both servers are single uvicorn processes on loopback; iamd uses SQLite in a temp dir.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import PreparedRequest, run_load

ACCOUNT, KEY_ID, SECRET = (
    "123456789012",
    "AKIAIAMDBENCHROOT001",
    "iamdBenchRootSecret/0123456789abcdefghij",
)


def scratch_dir(prefix: str) -> str:
    """A new temporary directory for one run's stores, removed when the bench exits.

    Every run writes a store of its own (hundreds of MB after a trail or write bench);
    left behind, repeated runs fill the disk.
    """
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"not ready: {url}")


def signed(port: int, service: str, body: str, key_id: str, secret: str) -> PreparedRequest:
    url = f"http://127.0.0.1:{port}/"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(key_id, secret), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    return PreparedRequest("POST", "/", body.encode(), dict(prepared.headers.items()))


def start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def user_key(port: int) -> tuple[str, str]:
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    iam.create_user(UserName="bench")
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=4)
    options = parser.parse_args()
    iamd_port, base_port = free_port(), free_port()
    data_dir = scratch_dir("iamd-bench-")
    iamd = start(
        [
            sys.executable,
            "-m",
            "iamd.cli.main",
            "serve",
            "--port",
            str(iamd_port),
            "--data-dir",
            data_dir,
            "--account-id",
            ACCOUNT,
            "--root-access-key-id",
            KEY_ID,
            "--root-secret-access-key",
            SECRET,
            "--log-level",
            "warning",
        ]
    )
    base = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(Path(__file__).parent),
            "baseline_app:app",
            "--loop",
            "asyncio",  # iamd serve's loop
            "--port",
            str(base_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    )
    try:
        wait_ready(f"http://127.0.0.1:{iamd_port}/healthz")
        wait_ready(f"http://127.0.0.1:{base_port}/")
        report(options, iamd_port, base_port)
    finally:
        iamd.terminate()
        base.terminate()


def report(options: argparse.Namespace, iamd_port: int, base_port: int) -> None:
    key_id, secret = user_key(iamd_port)
    cases = {
        "GetUser (root)": signed(
            iamd_port, "iam", "Action=GetUser&Version=2010-05-08&UserName=bench", KEY_ID, SECRET
        ),
        "GetCallerIdentity (IAM user)": signed(
            iamd_port, "sts", "Action=GetCallerIdentity&Version=2011-06-15", key_id, secret
        ),
    }
    reference = signed(
        base_port, "sts", "Action=GetCallerIdentity&Version=2011-06-15", key_id, secret
    )
    print(f"{'case':34} {'req/s':>9} {'errors':>7} {'ratio to reference':>20}")
    baseline = run_load(
        "127.0.0.1", base_port, reference, seconds=options.seconds, connections=options.connections
    )
    print(
        f"{'reference (Starlette, no work)':34} {baseline.per_second:9.0f} "
        f"{baseline.errors:7d} {1.0:20.2f}"
    )
    for name, prepared in cases.items():
        result = run_load(
            "127.0.0.1",
            iamd_port,
            prepared,
            seconds=options.seconds,
            connections=options.connections,
        )
        ratio = result.per_second / baseline.per_second
        print(f"{name:34} {result.per_second:9.0f} {result.errors:7d} {ratio:20.2f}")


if __name__ == "__main__":
    main()
