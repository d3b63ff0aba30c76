"""The data plane against its references, in the same run, as ratios.

    .venv/bin/python bench/gateway_bench.py [--gets 1000] [--upload-mb 256] [--seconds 8]

1. A small GET (1 KB object) through ``iamd gateway --service s3`` against the same
   request straight to the upstream (moto's S3 server): p50 and p95 latency, one
   keep-alive connection each way, requests signed before the clock starts: first all
   of one way then all of the other (the figure of record), then again with the two
   taking turns request by request, so that load from other work falls on both alike.
2. An upload of ``--upload-mb`` MB (1024 for the issue's 1 GB) through the gateway and
   straight to the upstream: throughput, and the gateway's resident memory sampled
   during the upload (flat: the body streams, it is never held).
3. Forward-auth decisions per second on ``iamd serve`` (SigV4 verified, execute-api:
   Invoke decided) against ``/healthz`` on the same server, which does nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).parent))
from loadgen import PreparedRequest, run_load
from run import ACCOUNT, KEY_ID, SECRET, free_port, scratch_dir, start, wait_ready

UPSTREAM_KEY = ("AKIAUPSTREAMBENCH001", "upstream-bench-secret")
BUCKET = "iamd-bench"
API_ID = "benchapi01"
PIECE = hashlib.sha256(b"iamd").digest() * 32768  # 1 MiB


class _Claim(S3SigV4Auth):  # type: ignore[misc]
    def payload(self, request: AWSRequest) -> str:
        return "UNSIGNED-PAYLOAD"


def s3_headers(port: int, method: str, path: str, key: tuple[str, str]) -> dict[str, str]:
    request = AWSRequest(method=method, url=f"http://127.0.0.1:{port}{path}", headers={})
    _Claim(Credentials(*key), "s3", "us-east-1").add_auth(request)
    return {"Host": f"127.0.0.1:{port}", **request.headers}


def latencies(port: int, path: str, headers: dict[str, str], count: int) -> list[float]:
    (found,) = interleaved_latencies([(port, headers)], path, count)
    return found


def interleaved_latencies(
    targets: list[tuple[int, dict[str, str]]], path: str, count: int
) -> list[list[float]]:
    """``count`` GETs of ``path`` to each target, one after the other and taking turns
    (the first target first on even rounds, last on odd ones), each target on its own
    keep-alive connection: whatever else loads the machine loads every target alike."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port, _ in targets]
    found: list[list[float]] = [[] for _ in targets]
    order = list(range(len(targets)))
    for round_number in range(count):
        for index in order if round_number % 2 == 0 else order[::-1]:
            connection, headers = connections[index], targets[index][1]
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            found[index].append(time.perf_counter() - started)
            assert answer.status == 200, answer.status
    for connection in connections:
        connection.close()
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def upload(port: int, path: str, headers: dict[str, str], size_mb: int) -> float:
    """Seconds to PUT size_mb MiB, sent as it is generated."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
    for name, value in {**headers, "Content-Length": str(size_mb * len(PIECE))}.items():
        connection.putheader(name, value)
    connection.endheaders()
    for _ in range(size_mb):
        connection.send(PIECE)
    answer = connection.getresponse()
    answer.read()
    elapsed = time.perf_counter() - started
    connection.close()
    assert answer.status == 200, answer.status
    return elapsed


def sampled_peak(pid: int, work: Callable[[], float]) -> tuple[float, float, float]:
    """(seconds, resident MB before, peak resident MB during) of work()."""
    before, peak, done = rss_mb(pid), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        seconds = work()
    finally:
        done.set()
        sampler.join()
    return seconds, before, peak[0]


def forward_auth_request(port: int, key: tuple[str, str]) -> PreparedRequest:
    request = AWSRequest(method="GET", url="http://api.example.com/pets/1", headers={})
    SigV4Auth(Credentials(*key), "execute-api", "us-east-1").add_auth(request)
    headers = {**request.headers, "X-Original-Method": "GET", "X-Original-URI": "/pets/1",
               "X-Original-Host": "api.example.com"}  # fmt: skip
    path = f"/_iamd/forward-auth/us-east-1/{ACCOUNT}/{API_ID}/prod"
    return PreparedRequest("GET", path, b"", headers)


def processes(data_dir: str, ports: dict[str, int]) -> Iterator[subprocess.Popen[bytes]]:
    python = [sys.executable, "-m"]
    yield start([*python, "iamd.cli.main", "serve", "--port", str(ports["iamd"]),
                 "--data-dir", data_dir, "--account-id", ACCOUNT, "--root-access-key-id", KEY_ID,
                 "--root-secret-access-key", SECRET, "--log-level", "warning"])  # fmt: skip
    yield start([*python, "moto.server", "-H", "127.0.0.1", "-p", str(ports["moto"])])
    wait_ready(f"http://127.0.0.1:{ports['iamd']}/healthz")
    wait_ready(f"http://127.0.0.1:{ports['moto']}/moto-api/")
    upstream = f"http://127.0.0.1:{ports['moto']}"
    yield start([*python, "iamd.cli.main", "gateway", "--service", "s3", "--upstream", upstream,
                 "--port", str(ports["gateway"]), "--data-dir", data_dir,
                 "--upstream-access-key-id", UPSTREAM_KEY[0],
                 "--upstream-secret-access-key", UPSTREAM_KEY[1],
                 "--log-level", "warning"])  # fmt: skip
    wait_ready(f"http://127.0.0.1:{ports['gateway']}/_iamd/health")


def setup(ports: dict[str, int]) -> tuple[str, str]:
    """A user who may use S3 and invoke the API; the bucket and a 1 KB object."""
    iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{ports['iamd']}",
                       region_name="us-east-1", aws_access_key_id=KEY_ID,
                       aws_secret_access_key=SECRET)  # fmt: skip
    iam.create_user(UserName="bench")
    for policy in ("AmazonS3FullAccess", "AmazonAPIGatewayInvokeFullAccess"):
        iam.attach_user_policy(UserName="bench", PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{ports['gateway']}",
                      region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"],
                      config=Config(s3={"addressing_style": "path"}))  # fmt: skip
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="small.bin", Body=b"x" * 1024)
    return key["AccessKeyId"], key["SecretAccessKey"]


def print_latencies(direct: list[float], through: list[float]) -> None:
    for name, found in (("upstream directly", direct), ("through the gateway", through)):
        p50, p95 = statistics.median(found) * 1000, statistics.quantiles(found, n=20)[18] * 1000
        print(f"  {name:22} p50 {p50:6.2f}  p95 {p95:6.2f}")
    print(f"  ratio p50 {statistics.median(through) / statistics.median(direct):.2f}")


def report(options: argparse.Namespace, ports: dict[str, int], gateway_pid: int) -> None:
    key = setup(ports)
    path = f"/{BUCKET}/small.bin"
    direct_headers = s3_headers(ports["moto"], "GET", path, UPSTREAM_KEY)
    gateway_headers = s3_headers(ports["gateway"], "GET", path, key)
    direct = latencies(ports["moto"], path, direct_headers, options.gets)
    cpu_before = cpu_seconds(gateway_pid)
    through = latencies(ports["gateway"], path, gateway_headers, options.gets)
    gateway_cpu = (cpu_seconds(gateway_pid) - cpu_before) / options.gets
    print(f"small GET, {options.gets} sequential requests (ms)")
    print_latencies(direct, through)
    print(f"  the gateway's CPU time per GET {gateway_cpu * 1000:.2f} ms (steadier than the")
    print("  wall clock when other work shares the machine)")
    direct, through = interleaved_latencies(
        [(ports["moto"], direct_headers), (ports["gateway"], gateway_headers)], path, options.gets
    )
    print(f"small GET, {options.gets} each way, the two taking turns (ms)")
    print_latencies(direct, through)
    size = options.upload_mb
    big = f"/{BUCKET}/big.bin"
    direct_s = upload(ports["moto"], big, s3_headers(ports["moto"], "PUT", big, UPSTREAM_KEY), size)
    headers = s3_headers(ports["gateway"], "PUT", big, key)
    seconds, before, peak = sampled_peak(
        gateway_pid, lambda: upload(ports["gateway"], big, headers, size)
    )
    print(f"upload of {size} MiB (MiB/s)")
    print(f"  upstream directly     {size / direct_s:8.1f}")
    print(f"  through the gateway   {size / seconds:8.1f}   ratio {direct_s / seconds:.2f}")
    print(f"  gateway resident memory: {before:.0f} MB before, {peak:.0f} MB at most during")
    decision = forward_auth_request(ports["iamd"], key)
    noop = PreparedRequest("GET", "/healthz", b"", {"Host": f"127.0.0.1:{ports['iamd']}"})
    found = {}
    for name, prepared in (("no-op (/healthz)", noop), ("forward-auth decision", decision)):
        result = run_load("127.0.0.1", ports["iamd"], prepared, seconds=options.seconds,
                          connections=options.connections)  # fmt: skip
        assert result.errors == 0, (name, result.errors)
        found[name] = result.per_second
    print(f"forward-auth on iamd serve, {options.connections} connections (req/s)")
    for name, per_second in found.items():
        print(f"  {name:22} {per_second:8.0f}")
    print(f"  ratio {found['forward-auth decision'] / found['no-op (/healthz)']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--upload-mb", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=4)
    options = parser.parse_args()
    ports = {"iamd": free_port(), "moto": free_port(), "gateway": free_port()}
    data_dir = scratch_dir("iamd-gateway-bench-")
    started: list[subprocess.Popen[bytes]] = []
    try:
        for process in processes(data_dir, ports):
            started.append(process)
        report(options, ports, started[-1].pid)
    finally:
        for process in started:
            process.terminate()


if __name__ == "__main__":
    main()
