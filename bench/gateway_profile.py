"""Where one small S3 GET through the gateway spends its time, stage by stage, in process.

    .venv/bin/python bench/gateway_profile.py [--gets 500] [--cprofile [--sort tottime]]
                                              [--no-audit-trail]

`iamd serve` and moto's S3 server run as processes (as in `gateway_bench.py`); the
gateway's own stages run here, in this process, on one event loop, each timed alone
for ``--gets`` requests of a 1 KB object, with the same GET sent straight to moto from
this process as the reference: the head read (`read_request`), SigV4 and the
decision (`admit_and_authorize`, called directly: no thread-pool hop), the forward to
the upstream (`forward`: re-signing, the upstream request, the response read) and the
whole of it through the ASGI app (`create_s3_app`, without a socket). ``--cprofile``
prints the functions the whole path spends most in.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import http.client
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from gateway_bench import BUCKET, UPSTREAM_KEY, s3_headers, setup
from run import ACCOUNT, KEY_ID, SECRET, free_port, scratch_dir, start, wait_ready
from starlette.requests import Request

from iamd.audit.trail import Trail, TrailSettings
from iamd.cli.settings import Settings
from iamd.clock import SystemClock
from iamd.gateway.s3_app import create_s3_app
from iamd.gateway.s3_checks import admit_and_authorize
from iamd.gateway.s3_forward import forward
from iamd.gateway.s3_request import S3Gateway, read_request
from iamd.gateway.upstream import Upstream, UpstreamCredentials
from iamd.store.database import Database
from iamd.store.sealing import Sealer, load_master_key

PATH = f"/{BUCKET}/small.bin"


def scope_of(port: int, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", port),
    }


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def gateway_of(data_dir: str, moto_port: int, *, trail: bool) -> S3Gateway:
    db = Database(Settings(data_dir=Path(data_dir)).url)
    sealer = Sealer(load_master_key(Path(data_dir)))
    upstream = Upstream(f"http://127.0.0.1:{moto_port}", UpstreamCredentials(*UPSTREAM_KEY))
    clock = SystemClock()
    return S3Gateway(
        db, sealer, clock, upstream, ("localhost",), Trail(db, clock, TrailSettings(enabled=trail))
    )


Timings = tuple[list[float], list[float]]  # (wall-clock seconds, CPU seconds) per request


async def timed(count: int, step: Callable[[], Awaitable[object]]) -> Timings:
    """Wall-clock and this process's CPU time of each step: the CPU time holds still
    when other work on the machine stretches the wall clock."""
    walls, cpus = [], []
    for _ in range(count):
        started, cpu = time.perf_counter(), time.process_time()
        await step()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - started)
    return walls, cpus


async def stages(
    gateway: S3Gateway, scope: dict[str, Any], moto_port: int, count: int
) -> dict[str, Timings]:
    app = create_s3_app(gateway)
    direct = s3_headers(moto_port, "GET", PATH, UPSTREAM_KEY)
    connection = http.client.HTTPConnection("127.0.0.1", moto_port)

    async def upstream_directly() -> object:
        connection.request("GET", PATH, headers=direct)
        answer = connection.getresponse()
        assert answer.status == 200, answer.status
        return answer.read()

    async def head() -> object:
        return read_request(gateway, Request(scope, _no_body), "r")

    async def decide() -> object:
        return admit_and_authorize(gateway, read_request(gateway, Request(scope, _no_body), "r"))

    located = read_request(gateway, Request(scope, _no_body), "r")
    admitted = admit_and_authorize(gateway, located)

    async def send() -> object:
        response = await forward(gateway, admitted, Request(scope, _no_body), None)
        assert response.status_code == 200, response.status_code
        return response

    async def whole() -> object:
        sent: list[dict[str, Any]] = []

        async def collect(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, _no_body, collect)
        assert sent[0]["status"] == 200, sent
        return sent

    return {
        "upstream directly (http.client)": await timed(count, upstream_directly),
        "head parse (read_request)": await timed(count, head),
        "head + SigV4 + decision": await timed(count, decide),
        "forward (re-sign, upstream, read)": await timed(count, send),
        "whole ASGI app, no socket": await timed(count, whole),
    }


async def profiled_app(
    gateway: S3Gateway, scope: dict[str, Any], count: int, profiler: cProfile.Profile
) -> None:
    """The whole ASGI app ``count`` times under cProfile (this thread only)."""
    app = create_s3_app(gateway)

    async def ignore(message: dict[str, Any]) -> None:
        pass

    profiler.enable()
    for _ in range(count):
        await app(scope, _no_body, ignore)
    profiler.disable()


def report(found: dict[str, Timings]) -> None:
    for name, (walls, cpus) in found.items():
        p50, cpu = statistics.median(walls) * 1000, statistics.fmean(cpus) * 1000
        print(f"  {name:36} wall p50 {p50:6.3f} ms   CPU mean {cpu:6.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gets", type=int, default=500)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--no-audit-trail", dest="audit_trail", action="store_false")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: tottime, …")
    options = parser.parse_args()
    ports = {"iamd": free_port(), "moto": free_port(), "gateway": free_port()}
    data_dir = scratch_dir("iamd-gateway-profile-")
    python = [sys.executable, "-m"]
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(start([*python, "iamd.cli.main", "serve", "--port", str(ports["iamd"]),
                 "--data-dir", data_dir, "--account-id", ACCOUNT, "--root-access-key-id", KEY_ID,
                 "--root-secret-access-key", SECRET, "--log-level", "warning"]))  # fmt: skip
        started.append(start([*python, "moto.server", "-H", "127.0.0.1", "-p", str(ports["moto"])]))
        wait_ready(f"http://127.0.0.1:{ports['iamd']}/healthz")
        wait_ready(f"http://127.0.0.1:{ports['moto']}/moto-api/")
        upstream = f"http://127.0.0.1:{ports['moto']}"
        started.append(start([*python, "iamd.cli.main", "gateway", "--service", "s3",
                 "--upstream", upstream, "--port", str(ports["gateway"]), "--data-dir", data_dir,
                 "--upstream-access-key-id", UPSTREAM_KEY[0],
                 "--upstream-secret-access-key", UPSTREAM_KEY[1],
                 "--log-level", "warning"]))  # fmt: skip
        wait_ready(f"http://127.0.0.1:{ports['gateway']}/_iamd/health")
        key = setup(ports)
        gateway = gateway_of(data_dir, ports["moto"], trail=options.audit_trail)
        scope = scope_of(ports["gateway"], s3_headers(ports["gateway"], "GET", PATH, key))
        found = asyncio.run(stages(gateway, scope, ports["moto"], options.gets))
        print(f"one small GET, in process, {options.gets} times each")
        report(found)
        if options.cprofile:
            profiler = cProfile.Profile()
            asyncio.run(profiled_app(gateway, scope, options.gets, profiler))
            pstats.Stats(profiler).sort_stats(options.sort).print_stats(30)
    finally:
        for process in started:
            process.terminate()


if __name__ == "__main__":
    main()
