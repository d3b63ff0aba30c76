"""Parent-row locks against SERIALIZABLE with retry, on one contended PostgreSQL workload.

    python scripts/with_postgres.py -- .venv/bin/python bench/lock_bench.py \
        [--seconds 10] [--processes 4] [--users 4]

iamd keeps its quotas and "must have no dependents" rules under concurrency by locking
the parent row (`iamd.store.locks.hold`: ``SELECT … FOR NO KEY UPDATE`` under READ
COMMITTED). The alternative is to let PostgreSQL's SERIALIZABLE isolation find the
conflicting transactions and retry the loser. This measures both on the same
workload, in the same run, on the throwaway cluster of `with_postgres.py`:

- ``locks``: iamd as shipped.
- ``serializable``: the engine at SERIALIZABLE and `hold` reduced to its existence
  check (no row lock), in this process only: the bench swaps it in every module that
  imported it. Nothing in ``src/`` changes.

Each of ``--processes`` worker processes opens its own engine and drives requests
through `pipeline.handle` (parse, SigV4, authorize, operate: the whole request, no
HTTP) as fast as it can: CreateAccessKey, DeleteAccessKey of a key it made, and TagUser
with one of 8 keys, on ``--users`` users chosen at random. Every answer of
ConcurrentModification (a lost race: deadlock, refused constraint, serialization
failure) is retried at once, as an SDK would, and counted; the latency of a request
includes its retries. Two layouts: the users in one account (every write also bumps
the account's `authz_version`, one more shared row) and one account per user (only
the user's own row is shared). After every round each user is checked: at most 2 keys,
in both modes.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import os
import pkgutil
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from sqlalchemy import Connection, delete, func, select
from sqlalchemy.engine import make_url

from iamd.accounts import create_account
from iamd.auth.sigv4 import HttpRequest
from iamd.clock import SystemClock
from iamd.errors import NoSuchEntity
from iamd.server.pipeline import Server, handle
from iamd.store import locks
from iamd.store.database import Database
from iamd.store.schema import access_keys
from iamd.store.sealing import Sealer, load_master_key

MODES = ("locks", "serializable")
TAG_KEYS = [f"k{i}" for i in range(8)]
VERSION = "2010-05-08"


@dataclass(frozen=True)
class Target:
    """One user and the root key of its account."""

    user_name: str
    key_id: str
    secret: str


@dataclass
class Tally:
    latencies: list[float]
    answers: dict[str, int]
    retries: int = 0


# --- requests ------------------------------------------------------------------------


def signed(form: dict[str, str], target: Target) -> HttpRequest:
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url="http://127.0.0.1:4599/", data=body, headers=headers)
    SigV4Auth(Credentials(target.key_id, target.secret), "iam", "us-east-1").add_auth(request)
    lowered = {name.lower(): value for name, value in request.prepare().headers.items()}
    lowered["host"] = "127.0.0.1:4599"
    return HttpRequest("POST", "/", "", lowered, body.encode())


def warm_up(server: Server, target: Target) -> None:
    base = {"Version": VERSION, "UserName": target.user_name}
    tag = {"Tags.member.1.Key": TAG_KEYS[0], "Tags.member.1.Value": "warm"}
    handle(server, signed({**base, "Action": "TagUser", **tag}, target))
    created = handle(server, signed({**base, "Action": "CreateAccessKey"}, target))
    if created.status == 200:
        key_id = between(created.body, "AccessKeyId")
        handle(server, signed({**base, "Action": "DeleteAccessKey", "AccessKeyId": key_id}, target))


def code_of(body: bytes) -> str:
    return body.split(b"<Code>", 1)[1].split(b"</Code>", 1)[0].decode() if b"<Code>" in body else ""


def between(text: bytes, tag: str) -> str:
    return text.split(f"<{tag}>".encode(), 1)[1].split(f"</{tag}>".encode(), 1)[0].decode()


# --- the serializable variant, swapped in by the bench only ---------------------------


def exists_only(conn: Connection, *parents: locks.Parent) -> None:
    """`locks.hold` without the lock: the existence check SERIALIZABLE still needs."""
    for kind, key in parents:
        column = locks.KEYS[kind]
        if conn.execute(select(column).where(column == key)).first() is None:
            raise NoSuchEntity(f"The {kind} {key} no longer exists.")


def go_serializable(db: Database) -> None:
    for package in ("iamd.store", "iamd.iam"):  # where every user of `hold` lives
        path = importlib.import_module(package).__path__
        for module in pkgutil.iter_modules(path, package + "."):
            importlib.import_module(module.name)
    swapped = 0
    for module in list(sys.modules.values()):
        if module is not locks and getattr(module, "hold", None) is locks.hold:
            module.hold = exists_only  # type: ignore[attr-defined]
            swapped += 1
    assert swapped > 10, swapped
    db.engine = db.engine.execution_options(isolation_level="SERIALIZABLE")


# --- one worker process --------------------------------------------------------------


def worker(
    mode: str,
    url: str,
    data_dir: str,
    targets: list[Target],
    seconds: float,
    seed: int,
    ready: Any,
) -> Tally:
    logging.disable(logging.CRITICAL)  # lost races are expected here, by the thousand
    db = Database(url)
    if mode == "serializable":
        go_serializable(db)
    server = Server(db=db, sealer=Sealer(load_master_key(Path(data_dir))), clock=SystemClock())
    rng = random.Random(seed)
    mine: dict[str, list[str]] = {target.user_name: [] for target in targets}
    tally = Tally([], {})
    for target in targets:  # each action once: what it loads on first use, before the clock
        warm_up(server, target)
    ready.wait()  # every process set up: the clock starts for all at once
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        target = rng.choice(targets)
        form = next_request(rng, target, mine[target.user_name])
        started = time.perf_counter()
        while True:
            answer = handle(server, signed(form, target))
            code = code_of(answer.body) if answer.status != 200 else "OK"
            if code != "ConcurrentModification":
                break
            tally.retries += 1
        tally.latencies.append(time.perf_counter() - started)
        label = f"{form['Action']} {code}"
        tally.answers[label] = tally.answers.get(label, 0) + 1
        remember(form, answer.body if code == "OK" else b"", mine[target.user_name])
    db.dispose()
    return tally


def next_request(rng: random.Random, target: Target, my_keys: list[str]) -> dict[str, str]:
    base = {"Version": VERSION, "UserName": target.user_name}
    roll = rng.random()
    if roll < 1 / 3 and my_keys:
        return {**base, "Action": "DeleteAccessKey", "AccessKeyId": my_keys[-1]}
    if roll < 2 / 3:
        return {**base, "Action": "CreateAccessKey"}
    tag = {"Tags.member.1.Key": rng.choice(TAG_KEYS), "Tags.member.1.Value": secrets.token_hex(4)}
    return {**base, "Action": "TagUser", **tag}


def remember(form: dict[str, str], body: bytes, my_keys: list[str]) -> None:
    if not body:
        return
    if form["Action"] == "CreateAccessKey":
        my_keys.append(between(body, "AccessKeyId"))
    elif form["Action"] == "DeleteAccessKey":
        my_keys.remove(form["AccessKeyId"])


def run_worker(arguments: tuple[Any, ...], ready: Any, results: Any) -> None:
    """One process: set up, wait for the others, then run the workload."""
    results.put(worker(*arguments, ready))


# --- setup, the runs, the report ------------------------------------------------------


def fresh_database(server_url: str, name: str) -> str:
    url = make_url(server_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def setup(url: str, data_dir: Path, user_count: int, *, one_account: bool) -> list[Target]:
    db = Database(url)
    db.migrate()
    server = Server(db=db, sealer=Sealer(load_master_key(data_dir)), clock=SystemClock())
    targets = []
    root = None
    for index in range(user_count):
        if root is None or not one_account:
            root = create_account(db, server.sealer, server.clock, email=f"b{index}@example.com")
        target = Target(f"bench{index}", root.access_key_id, root.secret_access_key)
        answer = handle(server, signed({"Action": "CreateUser", "Version": VERSION,
                                        "UserName": target.user_name}, target))  # fmt: skip
        assert answer.status == 200, answer.body
        targets.append(target)
    db.dispose()
    return targets


def measure(mode: str, url: str, data_dir: Path, targets: list[Target], options: Any) -> Tally:
    """One round: ``--processes`` workers for ``--seconds``, from users without keys."""
    clear_keys(url)  # the last round's workers took the list of theirs with them
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(options.processes), context.Queue()
    processes = [
        context.Process(
            target=run_worker,
            args=((mode, url, str(data_dir), targets, options.seconds, seed), ready, results),
        )
        for seed in range(options.processes)
    ]
    for process in processes:
        process.start()
    tallies = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return merge(tallies)


def clear_keys(url: str) -> None:
    db = Database(url)
    with db.transaction() as conn:
        conn.execute(delete(access_keys).where(access_keys.c.user_id.is_not(None)))
    db.dispose()


def most_keys(url: str) -> int:
    """The most access keys any user ended with (the quota is 2)."""
    db = Database(url)
    user_id = access_keys.c.user_id
    query = select(func.count()).where(user_id.is_not(None)).group_by(user_id)
    with db.transaction(write=False) as conn:
        counts = [row[0] for row in conn.execute(query)]
    db.dispose()
    return max(counts, default=0)


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def merge(tallies: list[Tally]) -> Tally:
    total = Tally([], {}, 0)
    for tally in tallies:
        total.latencies += tally.latencies
        total.retries += tally.retries
        for answer, count in tally.answers.items():
            total.answers[answer] = total.answers.get(answer, 0) + count
    return total


def report(layout: str, rounds: dict[str, list[Tally]], seconds: float) -> None:
    """One row per mode: all its rounds pooled, as a ratio to the locks' figures."""
    pooled = {mode: merge(tallies) for mode, tallies in rounds.items()}
    span = seconds * len(rounds["locks"])
    base_rate, base_p99 = len(pooled["locks"].latencies) / span, p99(pooled["locks"].latencies)
    for mode, tally in pooled.items():
        rate, tail = len(tally.latencies) / span, p99(tally.latencies)
        print(
            f"| {layout} | {mode} | {rate:,.0f} | {rate / base_rate:.2f} | {tail * 1000:,.0f} "
            f"| {tail / base_p99:.2f} | {tally.retries / len(tally.latencies):.2f} |"
        )
    for mode, tallies in rounds.items():
        per_round = ", ".join(f"{len(t.latencies) / seconds:.0f}" for t in tallies)
        answers = dict(sorted(pooled[mode].answers.items()))
        print(f"  {layout} / {mode}: req/s by round {per_round}; {answers}", file=sys.stderr)


def run_layout(server_url: str, layout: str, options: Any) -> None:
    """Both modes in alternating rounds on one database (its state stays bounded)."""
    one_account = layout == "one account"
    url = fresh_database(server_url, "locks_" + ("one" if one_account else "many"))
    data_dir = Path(tempfile.mkdtemp(prefix="iamd-lock-bench-"))
    targets = setup(url, data_dir, options.users, one_account=one_account)
    rounds: dict[str, list[Tally]] = {mode: [] for mode in MODES}
    for _ in range(options.rounds):
        for mode in MODES:
            rounds[mode].append(measure(mode, url, data_dir, targets, options))
            keys = most_keys(url)
            assert keys <= 2, f"{mode}: a user holds {keys} access keys (quota 2)"
    report(layout, rounds, options.seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--users", type=int, default=4)
    options = parser.parse_args()
    server_url = os.environ.get("IAMD_TEST_DATABASE_URL")
    if not server_url:
        raise SystemExit("run through scripts/with_postgres.py (IAMD_TEST_DATABASE_URL)")
    print("| layout | mode | requests/s | ratio | p99 (ms) | p99 ratio | retries per request |")
    print("|---|---|---|---|---|---|---|")
    for layout in ("one account", "account per user"):
        run_layout(server_url, layout, options)


if __name__ == "__main__":
    main()
