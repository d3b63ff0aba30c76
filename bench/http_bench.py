"""Signed reads over HTTP: iamd against the ceiling, with wrk, in the same run.

    .venv/bin/python bench/http_bench.py [--seconds 10] [--connections 32] [--workers 2]
    python scripts/with_postgres.py -- .venv/bin/python bench/http_bench.py --postgres

Starts `iamd serve --workers N` (SQLite in a temp dir, or with ``--postgres`` a fresh
database on the throwaway cluster of `with_postgres.py`) and the ceiling
(`ceiling_app.py`: form + SigV4 + dict + XML, the same uvicorn and worker count),
then drives each with wrk (Debian's package) replaying one signed request over keep-
alive connections, alternating rounds so the machine's noise weighs on both alike.
Prints requests per second and iamd's ratio to the ceiling.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).parent))
from run import ACCOUNT, KEY_ID, SECRET, free_port, scratch_dir, start, user_key, wait_ready
from scaling_bench import fresh_database

BODIES = {
    "GetCallerIdentity (IAM user)": ("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
    "GetUser (IAM user)": ("iam", "Action=GetUser&Version=2010-05-08"),
    "ListUsers (IAM user)": ("iam", "Action=ListUsers&Version=2010-05-08"),
}


def lua_script(port: int, service: str, body: str, key_id: str, secret: str) -> str:
    url = f"http://127.0.0.1:{port}/"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials(key_id, secret), service, "us-east-1").add_auth(request)
    lines = ['wrk.method = "POST"', f"wrk.body = {body!r}".replace("'", '"')]
    for name, value in request.prepare().headers.items():
        if name.lower() not in ("host", "content-length"):
            lines.append(f'wrk.headers["{name}"] = "{value}"')
    path = Path(scratch_dir("iamd-wrk-")) / "requests.lua"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def wrk(port: int, script: str, seconds: float, connections: int) -> float:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "-s",
            script,
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"errors from port {port}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="under with_postgres.py")
    options = parser.parse_args()
    iamd_port, ceiling_port = free_port(), free_port()
    data_dir = scratch_dir("iamd-bench-")
    store = []
    if options.postgres:
        server_url = os.environ.get("IAMD_TEST_DATABASE_URL")
        if not server_url:
            raise SystemExit("--postgres runs under scripts/with_postgres.py")
        store = ["--database-url", fresh_database(server_url, f"http_bench_{iamd_port}")]
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
            *store,
            "--account-id",
            ACCOUNT,
            "--root-access-key-id",
            KEY_ID,
            "--root-secret-access-key",
            SECRET,
            "--log-level",
            "warning",
            "--workers",
            str(options.workers),
        ]
    )
    try:
        wait_ready(f"http://127.0.0.1:{iamd_port}/healthz")
        key_id, secret = user_key(iamd_port)
        attach_read_only(iamd_port)
        os.environ.update(CEILING_KEY_ID=key_id, CEILING_SECRET=secret)
        ceiling = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(Path(__file__).parent),
                "ceiling_app:app",
                "--loop",
                "asyncio",  # iamd serve's loop
                "--port",
                str(ceiling_port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--workers",
                str(options.workers),
            ]
        )
        try:
            wait_ready_post(ceiling_port)
            report(options, iamd_port, ceiling_port, key_id, secret)
        finally:
            ceiling.terminate()
    finally:
        iamd.terminate()


def attach_read_only(port: int) -> None:
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")


def wait_ready_post(port: int) -> None:
    import socket
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("ceiling not ready")


def report(
    options: argparse.Namespace, iamd_port: int, ceiling_port: int, key_id: str, secret: str
) -> None:
    ceiling_script = lua_script(
        ceiling_port, *BODIES["GetCallerIdentity (IAM user)"], key_id, secret
    )
    scripts = {name: lua_script(iamd_port, *spec, key_id, secret) for name, spec in BODIES.items()}
    results: dict[str, list[float]] = {"ceiling (form + SigV4 + dict + XML)": []}
    results.update({name: [] for name in scripts})
    for _ in range(options.rounds):
        results["ceiling (form + SigV4 + dict + XML)"].append(
            wrk(ceiling_port, ceiling_script, options.seconds, options.connections)
        )
        for name, script in scripts.items():
            results[name].append(wrk(iamd_port, script, options.seconds, options.connections))
    best = {name: max(values) for name, values in results.items()}
    top = best["ceiling (form + SigV4 + dict + XML)"]
    print(f"{'case':40} {'req/s':>9} {'ratio to ceiling':>17}")
    for name, value in best.items():
        print(f"{name:40} {value:9.0f} {value / top:17.2f}")


if __name__ == "__main__":
    main()
