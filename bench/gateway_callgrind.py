"""Instructions the gateway process executes per small GET, counted by valgrind's callgrind.

    .venv/bin/python bench/gateway_callgrind.py [--gets 200] [--warm 30]

The same three processes as ``gateway_bench.py`` (``iamd serve``, moto's S3 server,
``iamd gateway --service s3``), with the gateway under callgrind. After ``--warm``
GETs the counters are zeroed (``callgrind_control -z``), ``--gets`` sequential GETs of
the 1 KB object run, and the counters are dumped: their total over ``--gets`` is the
figure, every thread of the gateway included (the decision's, the trail's). Unlike
CPU time it holds still when other work shares the machine. Which code runs is
whatever ``iamd`` the interpreter imports (set PYTHONPATH to compare two trees).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gateway_bench import BUCKET, UPSTREAM_KEY, latencies, s3_headers, setup
from run import ACCOUNT, KEY_ID, SECRET, free_port, scratch_dir, start, wait_ready


def callgrind_control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True)


def total_instructions(out: Path) -> int:
    """The ``summary:``/``totals:`` figure of the dump(s) callgrind wrote for ``out``."""
    dumps = sorted(out.parent.glob(out.name + ".*")) or [out]
    for line in dumps[-1].read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dumps[-1]}")


def wait_slowly(url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait for a server under valgrind, which takes minutes to start."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"not ready: {url}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gets", type=int, default=200)
    parser.add_argument("--warm", type=int, default=30)
    options = parser.parse_args()
    ports = {"iamd": free_port(), "moto": free_port(), "gateway": free_port()}
    data_dir = scratch_dir("iamd-gateway-callgrind-")
    out = Path(data_dir) / "callgrind.out"
    python = [sys.executable, "-m"]
    started = [
        start([*python, "iamd.cli.main", "serve", "--port", str(ports["iamd"]),
               "--data-dir", data_dir, "--account-id", ACCOUNT, "--root-access-key-id", KEY_ID,
               "--root-secret-access-key", SECRET, "--log-level", "warning"]),
        start([*python, "moto.server", "-H", "127.0.0.1", "-p", str(ports["moto"])]),
    ]  # fmt: skip
    try:
        wait_ready(f"http://127.0.0.1:{ports['iamd']}/healthz")
        wait_ready(f"http://127.0.0.1:{ports['moto']}/moto-api/")
        gateway = start(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                         *python, "iamd.cli.main", "gateway", "--service", "s3",
                         "--upstream", f"http://127.0.0.1:{ports['moto']}",
                         "--port", str(ports["gateway"]), "--data-dir", data_dir,
                         "--upstream-access-key-id", UPSTREAM_KEY[0],
                         "--upstream-secret-access-key", UPSTREAM_KEY[1],
                         "--log-level", "warning"])  # fmt: skip
        started.append(gateway)
        wait_slowly(f"http://127.0.0.1:{ports['gateway']}/_iamd/health", gateway)
        key = setup(ports)
        path = f"/{BUCKET}/small.bin"
        headers = s3_headers(ports["gateway"], "GET", path, key)
        latencies(ports["gateway"], path, headers, options.warm)
        time.sleep(1)  # the trail's batch of the warm-up written
        callgrind_control("-z", str(gateway.pid))
        latencies(ports["gateway"], path, headers, options.gets)
        time.sleep(1)  # and the measured GETs' batches
        callgrind_control("-d", str(gateway.pid))
        count = total_instructions(out)
        print(f"gateway: {count / options.gets / 1e6:.3f} M instructions per small GET "
              f"({options.gets} GETs)")  # fmt: skip
    finally:
        for process in started:
            process.terminate()


if __name__ == "__main__":
    main()
