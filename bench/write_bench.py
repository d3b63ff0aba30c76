"""Durable writes and a 90/10 read/write mix against their ceilings, with wrk, in one run.

    .venv/bin/python bench/write_bench.py [--seconds 10] [--connections 32] [--workers 2]
    python scripts/with_postgres.py [--fsync] -- .venv/bin/python bench/write_bench.py --postgres

Starts `iamd serve --workers N` (SQLite in a temp dir) and the ceiling
(`ceiling_app.py` with ``CEILING_DB``: form + SigV4 + one row committed durably per
write, same uvicorn and worker count), then drives both with the same signed requests,
alternating rounds:

- **durable writes**: an administrator tagging another user, the tag's value
  alternating so that every request changes it (iamd: authorize, write the tag,
  commit with synchronous=FULL) against the ceiling's one-row durable commit;
- **durable writes, 32 users**: the same, each request tagging the next of 32 users,
  so that the requests in flight write different rows (on PostgreSQL one user's
  writes queue on its row, each behind the last one's synced commit; the ceiling's
  inserts never wait on one another);
- **durable writes, 128 users**: AttachUserPolicy then DetachUserPolicy of a managed
  policy, each wrk thread to its own 64 users (issue 13's other example of a write);
- **durable writes, new users**: CreateUser with two tags (issue 13's first example),
  every call a user of its own (each wrk run its own pre-signed names);
- **90/10 mix**: nine reads (GetUser, ListUsers) to one such TagUser, against the
  ceiling's dict reads and durable commit in the same proportion.

With ``--postgres`` (under `with_postgres.py`) iamd and the ceiling each commit to a
fresh database of the throwaway cluster instead. Under ``with_postgres.py --fsync``
every commit is synced to disk, on both sides: durable writes against a durable
commit, as on SQLite. Without it the cluster runs with fsync off: commits cost
nothing there, and the ratio compares only the work and round trips around them.

Prints requests per second and iamd's ratio to the ceiling (issue 13's targets: writes
≥ 0.5, the mix ≥ 0.3).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from http_bench import wait_ready_post
from run import free_port, scratch_dir, start, wait_ready
from scaling_bench import fresh_database
from trail_bench import (
    GET_USER,
    LIST_USERS,
    THREADS,
    iam_client,
    serve,
    threads_lua_script,
    wrk,
)


def tag_user(value: str, user: str = "tagged") -> tuple[str, str]:
    """TagUser of another user: what an administrator's writes look like."""
    return (
        "iam",
        f"Action=TagUser&Version=2010-05-08&UserName={user}&Tags.member.1.Key=team"
        f"&Tags.member.1.Value={value}",
    )


# Writes to many users: each user's tag changes at its every turn, and the two wrk
# threads start half the users apart, so requests in flight write different rows, as
# CreateUser with tags (issue 13's example, not replayable) does.
MANY_USERS = [f"tagged-{number}" for number in range(32)]
_MANY = [tag_user(value, user) for value in ("blue", "red") for user in MANY_USERS]
MANY_PER_THREAD = [_MANY, _MANY[16:] + _MANY[:16]]


def cycle(thread: int, prefix: str, first: str, then: str) -> list[tuple[str, str]]:
    """Each of a wrk thread's own 64 users (``prefix-thread-n``), the call ``first``
    (its ``{user}`` filled in), then each of them ``then``: every call a real write.

    A user's second call is sent 64 calls after its first, which with 16 of a
    thread's connections in flight has nearly always been answered by then. Not
    always: a request that waits long enough on another's lock can be overtaken by
    that many others, and the last calls of one wrk run are still being answered as
    the next run starts; a second call that lands first answers an error (with 32
    users 0.1–0.3% of the answers on SQLite, with 64 about one in 8,000). Up to
    `OVERTAKEN` of the answers may be such errors: each writes nothing, so the rate
    barely moves."""
    users = [f"{prefix}-{thread}-{number}" for number in range(PER_THREAD)]
    return [
        ("iam", f"{call.format(user=user)}&{VERSION}") for call in (first, then) for user in users
    ]


PER_THREAD = 64
VERSION = "Version=2010-05-08"
ATTACHED = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
ATTACHING = [
    cycle(
        thread,
        "attached",
        f"Action=AttachUserPolicy&UserName={{user}}&PolicyArn={ATTACHED}",
        f"Action=DetachUserPolicy&UserName={{user}}&PolicyArn={ATTACHED}",
    )
    for thread in range(THREADS)
]


# CreateUser with tags, issue 13's example, and DeleteUser (which tags do not stop).
# CreateUser with two tags, issue 13's example: every call a new user, so every wrk run
# gets names of its own, more than it can send in its seconds at this many a second
# a thread (the fastest side here answers ~2,500 a second in all).
CREATES_PER_SECOND = 2_500


def creating(run: int, seconds: float) -> list[list[tuple[str, str]]]:
    tags = "Tags.member.1.Key=team&Tags.member.1.Value=blue"
    tags += "&Tags.member.2.Key=cost-center&Tags.member.2.Value=42"
    count = int(seconds * CREATES_PER_SECOND) + 1
    return [
        [
            ("iam", f"Action=CreateUser&UserName=created-{run}-{thread}-{n}&{tags}&{VERSION}")
            for n in range(count)
        ]
        for thread in range(THREADS)
    ]


OVERTAKEN = 0.01

# wrk replays signed requests: alternating two values makes every TagUser a real write.
TAG_BLUE, TAG_RED = tag_user("blue"), tag_user("red")
# Each workload: the calls of each wrk thread (one list: every thread's), or what gives
# them for the n-th wrk run of so many seconds.
Workload = list[list[tuple[str, str]]] | Callable[[int, float], list[list[tuple[str, str]]]]
WORKLOADS: dict[str, Workload] = {
    "durable writes (TagUser)": [[TAG_BLUE, TAG_RED]],
    "durable writes, 32 users (TagUser)": MANY_PER_THREAD,
    # Before the workloads that add users: ListUsers answers a page of the account's
    # users (34 here), against the ceiling's one.
    "90/10 mix (GetUser, ListUsers : TagUser)": [
        (
            [GET_USER, LIST_USERS] * 4
            + [GET_USER, TAG_BLUE]
            + [GET_USER, LIST_USERS] * 4
            + [GET_USER, TAG_RED]
        )
    ],
    "durable writes, 128 users (Attach/DetachUserPolicy)": ATTACHING,
    "durable writes, new users (CreateUser with two tags)": creating,
}


def writer_key(port: int) -> tuple[str, str]:
    iam = iam_client(port)
    iam.create_user(UserName="bench")
    iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    for user in ["tagged", *MANY_USERS]:
        iam.create_user(UserName=user)
    return key["AccessKeyId"], key["SecretAccessKey"]


def attached_users(port: int) -> None:
    """The users the attach workload writes to, made once the mix has run."""
    iam = iam_client(port)
    for thread in range(THREADS):
        for number in range(PER_THREAD):
            iam.create_user(UserName=f"attached-{thread}-{number}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="under with_postgres.py")
    options = parser.parse_args()
    if options.connections // THREADS >= PER_THREAD:  # see `cycle`
        raise SystemExit(f"fewer than {PER_THREAD * THREADS} connections")
    iamd_port, ceiling_port = free_port(), free_port()
    server_url = os.environ.get("IAMD_TEST_DATABASE_URL") if options.postgres else None
    if options.postgres and not server_url:
        raise SystemExit("--postgres runs under scripts/with_postgres.py")
    store = []
    if server_url:
        store = ["--database-url", fresh_database(server_url, f"write_bench_{iamd_port}")]
    iamd = serve(iamd_port, "--workers", str(options.workers), "--no-audit-trail", *store)
    try:
        wait_ready(f"http://127.0.0.1:{iamd_port}/healthz")
        key = writer_key(iamd_port)
        os.environ.update(CEILING_KEY_ID=key[0], CEILING_SECRET=key[1])
        if server_url:
            ceiling_url = fresh_database(server_url, f"write_ceiling_{ceiling_port}")
            ceiling_url = ceiling_url.replace("postgresql+psycopg", "postgresql")
            with psycopg.connect(ceiling_url, autocommit=True) as conn:
                conn.execute("CREATE TABLE writes (action TEXT)")
            os.environ["CEILING_PG_URL"] = ceiling_url
        else:
            database = Path(scratch_dir("iamd-ceiling-")) / "ceiling.sqlite3"
            os.environ["CEILING_DB"] = str(database)
        ceiling = start(
            [
                sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent),
                "ceiling_app:app", "--loop", "asyncio", "--port", str(ceiling_port),
                "--log-level", "warning",
                "--no-access-log", "--workers", str(options.workers),
            ]
        )  # fmt: skip
        try:
            wait_ready_post(ceiling_port)
            report(options, {"iamd": iamd_port, "ceiling": ceiling_port}, key)
        finally:
            ceiling.terminate()
    finally:
        iamd.terminate()


def report(options: argparse.Namespace, ports: dict[str, int], key: tuple[str, str]) -> None:
    print(f"{'workload':56} {'iamd':>7} {'ceiling':>8} {'ratio':>6}")
    runs = 0
    for workload, calls in WORKLOADS.items():
        tolerated = OVERTAKEN if calls is ATTACHING else 0.0
        if calls is ATTACHING:
            attached_users(ports["iamd"])
        best = dict.fromkeys(ports, 0.0)
        for _ in range(options.rounds):
            for name, port in ports.items():
                per_thread = calls(runs, options.seconds) if callable(calls) else calls
                runs += 1
                script = threads_lua_script(port, per_thread, *key)
                try:
                    rate = wrk(port, script, options.seconds, options.connections, tolerated)
                finally:
                    Path(script).unlink()
                best[name] = max(best[name], rate)
        ratio = best["iamd"] / best["ceiling"]
        print(f"{workload:56} {best['iamd']:7.0f} {best['ceiling']:8.0f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
