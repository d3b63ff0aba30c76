"""CPU time per request through the whole ASGI app, iamd's against the ceiling's, in process.

    .venv/bin/python bench/app_bench.py [--rounds 3] [--per-round 2000] [--trail]

Throughput through sockets on a shared two-core machine swings by more between runs
than most changes move it. This drives both ASGI applications — iamd's (`create_app`
on a `Server` with its own SQLite store, the bench user allowed by IAMFullAccess) and
the ceiling's (`ceiling_app.py`: form, SigV4, dict lookup, XML) — with the same signed
requests, without sockets or uvicorn, in alternating rounds, and prints the median
CPU time per request of this thread (`time.thread_time`) and their ratio. What it
leaves out (uvicorn's HTTP parsing, the socket writes, the load generator) both pay
alike, so the ratio here is below the one through HTTP: with an edge of E µs a
request, the HTTP ratio is about (E + ceiling) / (E + iamd).

``--trail`` keeps iamd's audit trail on (its batches are written by the request
thread when one is due, so they count).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).parent))
from sts_bench import http_request
from trail_bench import in_process

from iamd.auth.sigv4 import HttpRequest
from iamd.server.app import create_app

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Any, Any], Awaitable[None]]

CALLS = {
    "GetUser": ("iam", "Action=GetUser&Version=2010-05-08"),
    "ListUsers": ("iam", "Action=ListUsers&Version=2010-05-08"),
    "GetCallerIdentity": ("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
}


def asgi_scope(request: HttpRequest) -> tuple[Scope, bytes]:
    headers = [(name.encode(), value.encode()) for name, value in request.headers.items()]
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.query_string.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4599),
    }
    return scope, request.body


async def answer(app: App, scope: Scope, body: bytes) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 200:
        raise SystemExit(f"a request failed: {sent}")


async def cpu_per_request(app: App, scope: Scope, body: bytes, count: int) -> float:
    started = time.thread_time()
    for _ in range(count):
        await answer(app, scope, body)
    return (time.thread_time() - started) / count


async def measure(rounds: int, per_round: int, trail: bool) -> None:
    server, key = in_process(trail=trail)
    os.environ["CEILING_KEY_ID"], os.environ["CEILING_SECRET"] = key
    import ceiling_app  # reads its key from the environment when imported

    apps: dict[str, App] = {"iamd": create_app(server), "ceiling": ceiling_app.app}
    gc.freeze()  # as `iamd serve` does once started
    print(f"{'request':20} {'iamd µs':>8} {'ceiling µs':>10} {'ratio':>6}")
    for name, (service, form) in CALLS.items():
        scope, body = asgi_scope(http_request(service, dict(parse_qsl(form)), *key))
        spent: dict[str, list[float]] = {which: [] for which in apps}
        for app in apps.values():  # warm: caches filled, policies compiled
            await cpu_per_request(app, scope, body, 300)
        for round_ in range(rounds):
            order = list(apps) if round_ % 2 == 0 else list(reversed(apps))
            for which in order:
                spent[which].append(await cpu_per_request(apps[which], scope, body, per_round))
        iamd, ceiling = (statistics.median(spent[which]) * 1e6 for which in apps)
        print(f"{name:20} {iamd:8.0f} {ceiling:10.0f} {ceiling / iamd:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=2000)
    parser.add_argument("--trail", action="store_true", help="keep iamd's audit trail on")
    args = parser.parse_args()
    asyncio.run(measure(args.rounds, args.per_round, args.trail))


if __name__ == "__main__":
    main()
