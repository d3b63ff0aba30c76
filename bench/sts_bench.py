"""Temporary vs long-term credentials: what verifying each costs, and AssumeRole throughput.

    .venv/bin/python bench/sts_bench.py [--rounds 15] [--per-round 400] [--check]

In process, on a SQLite store in a temp dir, with SigV4-signed GetCallerIdentity
requests prepared once (signing is the client's cost, not iamd's):

- authentication alone (`iamd.auth.authenticate`: signature, key or session token,
  the caller) and the whole request (`pipeline.handle`: parse, authenticate,
  authorize, operate, serialize), for a long-term AKIA… key and for ASIA…
  temporary credentials of a role session, in alternating rounds of the same run;
  the medians and their ratio (the goal: temporary ≤ 1.3 × long-term);
- AssumeRole throughput through `pipeline.handle` (each call a write: the role's
  last use), in calls per second.

``--check`` exits non-zero when a ratio is above 1.3.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from iamd.accounts import create_account
from iamd.auth.authenticate import authenticate
from iamd.auth.sigv4 import HttpRequest, read_signature
from iamd.clock import SystemClock
from iamd.server.pipeline import Server, handle
from iamd.store.database import Database, sqlite_url
from iamd.store.sealing import Sealer, load_master_key

GOAL = 1.3
IDENTITY = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}


def http_request(
    service: str, form: dict[str, str], key_id: str, secret: str, token: str | None = None
) -> HttpRequest:
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url="http://127.0.0.1:4599/", data=body, headers=headers)
    SigV4Auth(Credentials(key_id, secret, token), service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    lowered = {name.lower(): value for name, value in prepared.headers.items()}
    lowered["host"] = "127.0.0.1:4599"
    return HttpRequest("POST", "/", "", lowered, body.encode())


def call(server: Server, service: str, form: dict[str, str], key: tuple[str, ...]) -> str:
    answer = handle(server, http_request(service, form, *key))
    if answer.status != 200:
        raise SystemExit(f"{form['Action']} failed: {answer.body.decode()}")
    return answer.body.decode()


def between(text: str, tag: str) -> str:
    return text.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]


def setup(server: Server) -> tuple[tuple[str, str], tuple[str, str, str], str]:
    """A user with a long-term key, a role it may assume, and a session of that role."""
    root = create_account(server.db, server.sealer, server.clock, email="bench@example.com")
    as_root = (root.access_key_id, root.secret_access_key)
    call(
        server,
        "iam",
        {"Action": "CreateUser", "UserName": "bench", "Version": "2010-05-08"},
        as_root,
    )
    created = call(
        server,
        "iam",
        {"Action": "CreateAccessKey", "UserName": "bench", "Version": "2010-05-08"},
        as_root,
    )
    user_key = (between(created, "AccessKeyId"), between(created, "SecretAccessKey"))
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
        f'"Principal":{{"AWS":"arn:aws:iam::{root.account_id}:user/bench"}}}}]}}'
    )
    role = {"Action": "CreateRole", "RoleName": "bench", "Version": "2010-05-08"}
    call(server, "iam", {**role, "AssumeRolePolicyDocument": trust}, as_root)
    role_arn = f"arn:aws:iam::{root.account_id}:role/bench"
    assumed = call(server, "sts", assume_form(role_arn, "warm-up"), user_key)
    session = (
        between(assumed, "AccessKeyId"),
        between(assumed, "SecretAccessKey"),
        between(assumed, "SessionToken"),
    )
    return user_key, session, role_arn


def assume_form(role_arn: str, session_name: str) -> dict[str, str]:
    return {
        "Action": "AssumeRole",
        "Version": "2011-06-15",
        "RoleArn": role_arn,
        "RoleSessionName": session_name,
    }


def per_call(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        work()
    return (time.perf_counter() - started) / count


def authenticate_once(server: Server, request: HttpRequest) -> Callable[[], object]:
    def work() -> object:
        signed = read_signature(request)
        assert signed is not None
        with server.db.transaction(write=False) as conn:
            return authenticate(conn, server.sealer, request, signed, server.clock.now())

    return work


def compare(
    server: Server, long_term: HttpRequest, temporary: HttpRequest, rounds: int, count: int
) -> None:
    for label, make in (
        ("authentication", lambda r: authenticate_once(server, r)),
        ("whole request", lambda r: lambda: handle(server, r)),
    ):
        long_times, temp_times = [], []
        for _ in range(rounds):  # alternate, so drift in the machine hits both alike
            long_times.append(per_call(make(long_term), count))
            temp_times.append(per_call(make(temporary), count))
        long_median, temp_median = statistics.median(long_times), statistics.median(temp_times)
        ratio = temp_median / long_median
        RESULTS[label] = ratio
        print(
            f"{label:15} long-term {long_median * 1e6:8.1f} µs   temporary "
            f"{temp_median * 1e6:8.1f} µs   ratio {ratio:.2f} (goal ≤ {GOAL})"
        )


RESULTS: dict[str, float] = {}


def assume_role_throughput(
    server: Server, user_key: tuple[str, str], role_arn: str, count: int
) -> None:
    requests = [
        http_request("sts", assume_form(role_arn, f"s{i}"), *user_key) for i in range(count)
    ]
    started = time.perf_counter()
    for request in requests:
        if handle(server, request).status != 200:
            raise SystemExit("AssumeRole failed")
    elapsed = time.perf_counter() - started
    print(f"AssumeRole      {count / elapsed:8.0f} calls/s ({elapsed / count * 1e3:.2f} ms each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=400)
    parser.add_argument("--assume-calls", type=int, default=500)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        db = Database(sqlite_url(str(data_dir / "iamd.sqlite3")))
        db.migrate()
        server = Server(db=db, sealer=Sealer(load_master_key(data_dir)), clock=SystemClock())
        user_key, session, role_arn = setup(server)
        long_term = http_request("sts", IDENTITY, *user_key)
        temporary = http_request("sts", IDENTITY, *session)
        compare(server, long_term, temporary, args.rounds, args.per_round)
        assume_role_throughput(server, user_key, role_arn, args.assume_calls)
        db.dispose()
    if args.check and any(ratio > GOAL for ratio in RESULTS.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
