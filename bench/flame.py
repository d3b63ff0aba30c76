"""Flame graphs of `iamd serve` under load: where a signed read and a durable write go.

    .venv/bin/pip install -e '.[bench]'      # py-spy
    .venv/bin/python bench/flame.py [--seconds 10] [--connections 16] [--out bench/flames]

Starts `iamd serve` (one process, SQLite, trail on, as `make run` serves), makes an
IAMFullAccess user, then for each workload drives the server with wrk while py-spy
samples it, and writes ``<out>/<workload>.svg`` (open it in a browser: the wider a
frame, the more of the time it took). py-spy reads the process from outside, so the
server runs at full speed while it is measured; it needs ptrace, which containers
sometimes refuse (run as root or with CAP_SYS_PTRACE).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import free_port, wait_ready
from trail_bench import GET_USER, LIST_USERS, bench_user, lua_script, serve, tagged_user, wrk
from write_bench import TAG_BLUE, TAG_RED

WORKLOADS = {
    "reads": [GET_USER, LIST_USERS],
    "writes": [TAG_BLUE, TAG_RED],
}


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install -e '.[bench]'")
    return found


def record(pid: int, seconds: float, svg: Path) -> subprocess.Popen[bytes]:
    command = [py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds))]
    options = ["--rate", "250", "--function", "--output", str(svg), "--nonblocking"]
    return subprocess.Popen([*command, *options])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "flames")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = serve(port)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz")
        key = bench_user(port)
        tagged_user(port, key)
        for name, calls in WORKLOADS.items():
            script = lua_script(port, calls, *key)
            rates: list[float] = []
            seconds = options.seconds + 2  # load before and after the sampling window
            load = threading.Thread(
                target=_drive, args=(port, script, seconds, options.connections, rates)
            )
            load.start()
            sampler = record(server.pid, options.seconds, options.out / f"{name}.svg")
            sampler.wait()
            load.join()
            print(f"{name}: {rates[0]:.0f} requests/s, {options.out / f'{name}.svg'}")
    finally:
        server.terminate()


def _drive(port: int, script: str, seconds: float, connections: int, rates: list[float]) -> None:
    rates.append(wrk(port, script, seconds, connections))


if __name__ == "__main__":
    main()
