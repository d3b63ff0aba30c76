"""The audit trail's cost: throughput with the trail on against the trail off, same run.

    .venv/bin/python bench/trail_bench.py [--seconds 10] [--connections 16] [--rounds 3]

Starts two `iamd serve` processes (SQLite, one worker each, each its own data
directory): one with the trail (the default), one with `--no-audit-trail`. Each has
the same user, allowed by IAMFullAccess. wrk drives two workloads over keep-alive
connections, alternating servers round by round so the machine's noise weighs on
both alike:

- **read**: GetUser and ListUsers in turn (every event batched);
- **mixed**: three reads to one write (TagUser, whose event commits in the write's
  own transaction).

Prints the best round of each and the ratio trail-on / trail-off (target ≥ 0.90).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).parent))
from run import ACCOUNT, KEY_ID, SECRET, free_port, start, wait_ready

GET_USER = ("iam", "Action=GetUser&Version=2010-05-08")
LIST_USERS = ("iam", "Action=ListUsers&Version=2010-05-08")
TAG_USER = (
    "iam",
    "Action=TagUser&Version=2010-05-08&UserName=bench&Tags.member.1.Key=team"
    "&Tags.member.1.Value=bench",
)
WORKLOADS = {
    "read (GetUser, ListUsers)": [GET_USER, LIST_USERS],
    "mixed (3 reads : 1 TagUser)": [GET_USER, LIST_USERS, GET_USER, TAG_USER],
}


def lua_script(port: int, calls: list[tuple[str, str]], key_id: str, secret: str) -> str:
    """A wrk script that sends the signed calls in turn, on every connection."""
    requests = []
    for service, body in calls:
        url = f"http://127.0.0.1:{port}/"
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        request = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(Credentials(key_id, secret), service, "us-east-1").add_auth(request)
        signed = {
            name: value
            for name, value in request.prepare().headers.items()
            if name.lower() not in ("host", "content-length")
        }
        fields = ", ".join(f'["{name}"] = "{value}"' for name, value in signed.items())
        requests.append(f'wrk.format("POST", "/", {{{fields}}}, "{body}")')
    lines = [
        "local requests = {}",
        "local n = 0",
        "init = function(args)",
        *(f"  requests[{i + 1}] = {text}" for i, text in enumerate(requests)),
        "end",
        "request = function()",
        f"  n = n % {len(requests)} + 1",
        "  return requests[n]",
        "end",
    ]
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def wrk(port: int, script: str, seconds: float, connections: int) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "-s", script]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True
    ).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"errors from port {port}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def serve(port: int, *extra: str) -> subprocess.Popen[bytes]:
    data_dir = tempfile.mkdtemp(prefix="iamd-trail-bench-")
    return start(
        [
            sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(port),
            "--data-dir", data_dir, "--account-id", ACCOUNT, "--root-access-key-id", KEY_ID,
            "--root-secret-access-key", SECRET, "--log-level", "warning", *extra,
        ]
    )  # fmt: skip


def bench_user(port: int) -> tuple[str, str]:
    import boto3

    iam: Any = boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    iam.create_user(UserName="bench")
    iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    ports = {"on": free_port(), "off": free_port()}
    servers = [serve(ports["on"]), serve(ports["off"], "--no-audit-trail")]
    try:
        keys = {}
        for name, port in ports.items():
            wait_ready(f"http://127.0.0.1:{port}/healthz")
            keys[name] = bench_user(port)
        report(options, ports, keys)
    finally:
        for server in servers:
            server.terminate()


def report(
    options: argparse.Namespace, ports: dict[str, int], keys: dict[str, tuple[str, str]]
) -> None:
    print(f"{'workload':32} {'trail on':>9} {'trail off':>9} {'on/off':>7}")
    for workload, calls in WORKLOADS.items():
        scripts = {name: lua_script(ports[name], calls, *keys[name]) for name in ports}
        best = {name: 0.0 for name in ports}
        for _ in range(options.rounds):
            for name in ports:
                rate = wrk(ports[name], scripts[name], options.seconds, options.connections)
                best[name] = max(best[name], rate)
        ratio = best["on"] / best["off"]
        print(f"{workload:32} {best['on']:9.0f} {best['off']:9.0f} {ratio:7.2f}")


if __name__ == "__main__":
    main()
