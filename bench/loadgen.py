"""A small closed-loop HTTP load generator: N keep-alive connections, fixed requests.

Requests are signed once, before the clock starts, and replayed (SigV4 has no replay
protection inside its 15-minute window), so the generator spends its time sending,
not signing. The same generator measures iamd and the reference in one run.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def run_load(
    host: str, port: int, request: PreparedRequest, *, seconds: float, connections: int
) -> Result:
    counts = [0] * connections
    errors = [0] * connections
    stop_at = time.perf_counter() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        while time.perf_counter() < stop_at:
            conn.request(request.method, request.path, body=request.body, headers=request.headers)
            answer = conn.getresponse()
            answer.read()
            counts[index] += 1
            if answer.status != 200:
                errors[index] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(sum(counts), time.perf_counter() - started, sum(errors))
