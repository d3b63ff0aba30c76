"""The audit trail's cost: throughput with the trail on against the trail off, same run.

    .venv/bin/python bench/trail_bench.py [--seconds 10] [--connections 16] [--rounds 3]
    .venv/bin/python bench/trail_bench.py --cpu [--rounds 30] [--per-round 300]
    .venv/bin/python bench/trail_bench.py --callgrind [--requests 800] [--only mixed]

Starts two `iamd serve` processes (SQLite, one worker each, each its own data
directory): one with the trail (the default), one with `--no-audit-trail`. Each has
the same user, allowed by IAMFullAccess. wrk drives two workloads over keep-alive
connections, alternating servers round by round so the machine's noise weighs on
both alike:

- **read**: GetUser and ListUsers in turn (every event batched);
- **mixed**: three reads to one write (TagUser of another user, whose event commits in
  the write's own transaction). wrk replays signed requests and a tag given its own
  value again writes nothing, so each wrk thread cycles through values of its own
  (blue/red, green/yellow, …): whichever write comes last, the next one changes the
  tag, on both servers alike — trail off, a real write and its commit; trail on, the
  same plus its event.

Prints, per workload, the best round of each server and their ratio, and the median
and spread of the ratios of the rounds (each round runs both servers, in turn
swapping which goes first); the target is ≥ 0.90.

``--cpu`` measures the same two workloads in process instead, steadier than
throughput on a shared machine: two `Server`s (trail on, trail off) answer the same
signed requests through `pipeline.handle`, in alternating rounds, and it prints the
median CPU time per request of each (``time.process_time``: the trail's batches
count, on whichever thread writes them) and the median of the rounds' off/on ratios.

``--callgrind`` counts instructions instead, the steadiest measure here: for each
workload and each server it runs the in-process loop under valgrind's callgrind twice,
with ``--requests`` requests (800) and with none, each after the same warm-up, and
prints the difference per request. The trail writes its batch every 160 requests
(about what 0.2 s holds at full speed), called by the loop rather than by the clock,
so a run counts the same work whatever valgrind's speed. ``--only read`` or ``--only
mixed`` counts one workload (half the ~10 minutes).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).parent))
from run import ACCOUNT, KEY_ID, SECRET, free_port, scratch_dir, start, wait_ready

IAM_FULL_ACCESS = "arn:aws:iam::aws:policy/IAMFullAccess"

GET_USER = ("iam", "Action=GetUser&Version=2010-05-08")
LIST_USERS = ("iam", "Action=ListUsers&Version=2010-05-08")
Call = tuple[str, str]  # (service, form body)
# wrk's threads (-t2) each get their own pair of values: no two writes in a row repeat one.
TAG_VALUES = (("blue", "red"), ("green", "yellow"))
THREADS = len(TAG_VALUES)


def tag_user(value: str) -> Call:
    """TagUser of the user `tagged_user` makes, to this value."""
    return (
        "iam",
        "Action=TagUser&Version=2010-05-08&UserName=tagged&Tags.member.1.Key=team"
        f"&Tags.member.1.Value={value}",
    )


def mixed(values: tuple[str, str]) -> list[Call]:
    """Three reads to one write, the write alternating between the two values."""
    return [call for value in values for call in (GET_USER, LIST_USERS, GET_USER, tag_user(value))]


# Per workload, what each wrk thread sends in turn.
WORKLOADS: dict[str, list[list[Call]]] = {
    "read (GetUser, ListUsers)": [[GET_USER, LIST_USERS]] * THREADS,
    "mixed (3 reads : 1 TagUser)": [mixed(values) for values in TAG_VALUES],
}


def lua_script(port: int, calls: list[Call], key_id: str, secret: str) -> str:
    """A wrk script that sends the signed calls in turn, on every connection."""
    return threads_lua_script(port, [calls], key_id, secret)


def threads_lua_script(port: int, per_thread: list[list[Call]], key_id: str, secret: str) -> str:
    """A wrk script whose n-th thread sends the n-th list's signed calls in turn.

    With fewer lists than threads, the lists are dealt round (one list: every thread).
    """
    lists = [
        "{" + ", ".join(_signed(port, call, key_id, secret) for call in calls) + "}"
        for calls in per_thread
    ]
    lines = [
        "local threads = 0",
        "setup = function(thread)",
        '  thread:set("thread_index", threads)',
        "  threads = threads + 1",
        "end",
        "local requests = {}",
        "local n = 0",
        "init = function(args)",
        f"  local lists = {{{', '.join(lists)}}}",
        "  requests = lists[thread_index % #lists + 1]",
        "end",
        "request = function()",
        "  n = n % #requests + 1",
        "  return requests[n]",
        "end",
    ]
    path = Path(scratch_dir("iamd-wrk-")) / "requests.lua"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _signed(port: int, call: Call, key_id: str, secret: str) -> str:
    """One call, signed, as the Lua expression that builds its request."""
    service, body = call
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
    return f'wrk.format("POST", "/", {{{fields}}}, "{body}")'


def wrk(port: int, script: str, seconds: float, connections: int, tolerated: float = 0.0) -> float:
    """Requests per second; an error answer is fatal unless under ``tolerated`` (a
    fraction of all answers: replayed calls that may, rarely, overtake one another)."""
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{int(seconds)}s", "-s", script]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    answered = re.search(r"(\d+) requests in", out)
    if errors and (answered is None or int(errors[1]) > tolerated * int(answered[1])):
        raise SystemExit(f"errors from port {port}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def serve(port: int, *extra: str) -> subprocess.Popen[bytes]:
    data_dir = scratch_dir("iamd-trail-bench-")
    return start(
        [
            sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(port),
            "--data-dir", data_dir, "--account-id", ACCOUNT, "--root-access-key-id", KEY_ID,
            "--root-secret-access-key", SECRET, "--log-level", "warning", *extra,
        ]
    )  # fmt: skip


def iam_client(port: int, key: tuple[str, str] = (KEY_ID, SECRET)) -> Any:
    """boto3's IAM client of the server on ``port``, as ``key`` (the root's by default)."""
    import boto3

    return boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
    )


def bench_user(port: int) -> tuple[str, str]:
    iam = iam_client(port)
    iam.create_user(UserName="bench")
    iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def tagged_user(port: int, key: tuple[str, str]) -> None:
    """The user the mixed workload's writes tag."""
    iam_client(port, key).create_user(UserName="tagged")


def cpu_report(rounds: int, per_round: int) -> None:
    """CPU time per request, trail on and off, in process (see the module's notes)."""
    import gc

    from sts_bench import http_request

    servers = {"on": in_process(trail=True), "off": in_process(trail=False)}
    gc.freeze()  # as `iamd serve` does once started
    print(f"{'workload':32} {'on µs':>8} {'off µs':>8} {'off/on':>7}")
    for workload, per_thread in WORKLOADS.items():
        calls = per_thread[0]  # one thread here: the first thread's calls
        signed = {
            name: [http_request(service, dict(parse_qsl(body)), *key) for service, body in calls]
            for name, (_, key) in servers.items()
        }
        for name, (server, _) in servers.items():  # warm: caches filled, policies compiled
            cpu_per_request(server, signed[name], per_round)
        spent: dict[str, list[float]] = {name: [] for name in servers}
        for round_ in range(rounds):
            order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
            for name in order:
                spent[name].append(cpu_per_request(servers[name][0], signed[name], per_round))
        on, off = (statistics.median(spent[name]) * 1e6 for name in ("on", "off"))
        ratios = statistics.median(b / a for a, b in zip(spent["on"], spent["off"], strict=True))
        print(f"{workload:32} {on:8.0f} {off:8.0f} {ratios:7.2f}")


def cpu_per_request(server: Any, requests: list[Any], count: int) -> float:
    """Seconds of the process's CPU time per request, over ``count`` of them in turn."""
    import time

    from iamd.server.pipeline import handle

    started = time.process_time()
    for i in range(count):
        if handle(server, requests[i % len(requests)]).status != 200:
            raise SystemExit("a request failed")
    return (time.process_time() - started) / count


def in_process(*, trail: bool, settings: Any = None) -> tuple[Any, tuple[str, str]]:
    """A `Server` on its own SQLite store, with the bench user and the user it tags."""
    from sts_bench import between, call

    from iamd.accounts import create_account
    from iamd.audit.trail import Trail, disabled_trail
    from iamd.clock import SystemClock
    from iamd.server.pipeline import Server
    from iamd.store.database import Database, sqlite_url
    from iamd.store.sealing import Sealer, load_master_key

    data_dir = Path(scratch_dir("iamd-trail-cpu-"))
    db = Database(sqlite_url(str(data_dir / "iamd.sqlite3")))
    db.migrate()
    clock = SystemClock()
    recorder = Trail(db, clock, settings) if trail else disabled_trail()
    server = Server(db=db, sealer=Sealer(load_master_key(data_dir)), clock=clock, trail=recorder)
    root = create_account(db, server.sealer, clock, email="bench@example.com")
    as_root = (root.access_key_id, root.secret_access_key)
    version = {"Version": "2010-05-08"}
    for form in (
        {"Action": "CreateUser", "UserName": "bench"},
        {"Action": "AttachUserPolicy", "UserName": "bench", "PolicyArn": IAM_FULL_ACCESS},
        {"Action": "CreateUser", "UserName": "tagged"},
    ):
        call(server, "iam", {**form, **version}, as_root)
    created = call(
        server, "iam", {"Action": "CreateAccessKey", "UserName": "bench", **version}, as_root
    )
    return server, (between(created, "AccessKeyId"), between(created, "SecretAccessKey"))


WARM_UP = 320  # requests before counting: caches filled, policies compiled
BATCH = 160  # requests per batch of the trail, under callgrind


def callgrind_report(requests: int, only: str | None) -> None:
    """Instructions per request, trail on and off (see the module's notes)."""
    print(f"{'workload':32} {'on':>10} {'off':>10} {'trail':>9} {'off/on':>7}")
    for number, workload in enumerate(WORKLOADS):
        if only is not None and not workload.startswith(only):
            continue
        per_request = {
            trail: (_instructions(number, trail, requests) - _instructions(number, trail, 0))
            / requests
            for trail in ("on", "off")
        }
        on, off = per_request["on"], per_request["off"]
        print(f"{workload:32} {on:10,.0f} {off:10,.0f} {on - off:9,.0f} {off / on:7.3f}")


def _instructions(workload: int, trail: str, requests: int) -> int:
    """Instructions of one run of the in-process loop under callgrind."""
    out = Path(scratch_dir("iamd-trail-callgrind-")) / "callgrind.out"
    command = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
        sys.executable, __file__, "--counted", trail, "--workload", str(workload),
        "--requests", str(requests),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    totals = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
    return int(totals.group(1))  # type: ignore[union-attr]


def counted_run(trail: str, workload: int, requests: int) -> None:
    """The loop callgrind counts: warm up, then ``requests`` requests, batch by batch."""
    import gc

    from sts_bench import http_request

    from iamd.audit.trail import TrailSettings
    from iamd.server.pipeline import handle

    by_clock_never = TrailSettings(flush_interval=1e9, sync_every=1e9, prune_every=1e9)
    server, key = in_process(trail=trail == "on", settings=by_clock_never)
    calls = list(WORKLOADS.values())[workload][0]
    signed = [http_request(service, dict(parse_qsl(body)), *key) for service, body in calls]
    gc.freeze()
    for done in range(WARM_UP + requests):
        if handle(server, signed[done % len(signed)]).status != 200:
            raise SystemExit("a request failed")
        if (done + 1) % BATCH == 0 and server.trail.enabled:
            server.trail.flush()
    if server.trail.enabled:
        server.trail.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", action="store_true", help="CPU per request, in process")
    parser.add_argument("--per-round", type=int, default=300)
    parser.add_argument("--callgrind", action="store_true", help="instructions per request")
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--only", choices=("read", "mixed"), help="--callgrind: one workload")
    parser.add_argument("--counted", choices=("on", "off"), help=argparse.SUPPRESS)
    parser.add_argument("--workload", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.counted:
        counted_run(options.counted, options.workload, options.requests)
        return
    if options.callgrind:
        callgrind_report(options.requests, options.only)
        return
    if options.cpu:
        cpu_report(options.rounds, options.per_round)
        return
    ports = {"on": free_port(), "off": free_port()}
    servers = [serve(ports["on"]), serve(ports["off"], "--no-audit-trail")]
    try:
        keys = {}
        for name, port in ports.items():
            wait_ready(f"http://127.0.0.1:{port}/healthz")
            keys[name] = bench_user(port)
            tagged_user(port, keys[name])
        report(options, ports, keys)
    finally:
        for server in servers:
            server.terminate()


def report(
    options: argparse.Namespace, ports: dict[str, int], keys: dict[str, tuple[str, str]]
) -> None:
    print(
        f"{'workload':32} {'trail on':>9} {'trail off':>9} {'best':>5} {'median':>7} {'rounds':>11}"
    )
    for workload, per_thread in WORKLOADS.items():
        scripts = {name: threads_lua_script(ports[name], per_thread, *keys[name]) for name in ports}
        best = dict.fromkeys(ports, 0.0)
        ratios = []
        for round_ in range(options.rounds):
            # Each round swaps which server goes first, so a trend in the machine's load
            # weighs on both alike.
            order = list(ports) if round_ % 2 == 0 else list(reversed(ports))
            rates = {
                name: wrk(ports[name], scripts[name], options.seconds, options.connections)
                for name in order
            }
            best = {name: max(best[name], rates[name]) for name in ports}
            ratios.append(rates["on"] / rates["off"])
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}"
        print(
            f"{workload:32} {best['on']:9.0f} {best['off']:9.0f} "
            f"{best['on'] / best['off']:5.2f} {statistics.median(ratios):7.2f} {spread:>11}"
        )


if __name__ == "__main__":
    main()
