"""ListUsers and ListPolicies page latency: an account with 100,000 users against one
with 10, both with the whole AWS managed catalog, measured in the same run.

    .venv/bin/python bench/entities_bench.py [--users 100000] [--samples 300]
        [--attach-every K] [--database-url postgresql://…] [--keep]

The accounts and the big account's users are seeded in-process through the store's own
repository functions (``iamd.store.users.insert_user``, one transaction); everything
measured goes over HTTP to a real ``iamd serve``. Requests are signed once by the root
user of each account and replayed on one keep-alive connection; the two accounts are
measured interleaved, round by round, so drift hits both alike. Every case visits
several pages, from the first to the last, through markers the server itself handed
out. Page cost must not grow with account size: the ratio column should be close to 1.

The store is SQLite in a temporary directory unless ``--database-url`` names an empty
PostgreSQL database, e.g. through ``scripts/with_postgres.py``:

    .venv/bin/python scripts/with_postgres.py -- \
        sh -c '.venv/bin/python bench/entities_bench.py --database-url "$IAMD_TEST_DATABASE_URL"'
"""

from __future__ import annotations

import argparse
import http.client
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from iamd import ids
from iamd.accounts import RootCredential, create_account
from iamd.cli.settings import Settings, open_store
from iamd.clock import SystemClock
from iamd.store.attachments import attach
from iamd.store.catalog import aws_managed_policies
from iamd.store.users import User, insert_user

NS = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/"}
WARM_UP_ROUNDS = 3
ATTACHED_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@dataclass(frozen=True)
class Page:
    """One page request, signed once and replayed (SigV4 allows it for 15 minutes)."""

    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Side:
    """Pages of one account: which account, and where each page starts (item positions)."""

    account: str
    positions: tuple[int, ...]


@dataclass(frozen=True)
class Case:
    """The same kind of page in two places: a reference and the one that may be slower."""

    name: str
    action: str
    params: dict[str, str]
    reference: Side
    measured: Side


def cases(users: int, catalog: int) -> list[Case]:
    quarters = tuple(users * k // 4 for k in (1, 2, 3))
    policy_pages = tuple(range(0, catalog, 100))
    return [
        Case(
            "ListUsers, 5 per page",
            "ListUsers",
            {"MaxItems": "5"},
            Side("small", (0, 5)),
            Side("big", (0, 5, *quarters, users - 5)),
        ),
        Case(
            "ListUsers, 10 per page",
            "ListUsers",
            {"MaxItems": "10"},
            Side("small", (0,)),
            Side("big", (0, 10, *quarters, users - 10)),
        ),
        Case(
            "ListUsers, 100 per page: big account's first page vs its deep pages",
            "ListUsers",
            {},
            Side("big", (0,)),
            Side("big", (*quarters, users - 100)),
        ),
        Case(
            "ListPolicies Scope=All, 100 per page (every page)",
            "ListPolicies",
            {"Scope": "All"},
            Side("small", policy_pages),
            Side("big", policy_pages),
        ),
        Case(
            "ListPolicies Scope=AWS, 100 per page (every page)",
            "ListPolicies",
            {"Scope": "AWS"},
            Side("small", policy_pages),
            Side("big", policy_pages),
        ),
    ]


def seed(
    settings: Settings, users: int, attach_every: int
) -> tuple[RootCredential, RootCredential]:
    """A small account with 10 users and a big one with ``users``, via the repositories.

    With ``attach_every`` K, every K-th user of the big account has ReadOnlyAccess
    attached: ListPolicies then reports a large AttachmentCount on one of its pages.
    """
    db, sealer = open_store(settings)
    clock = SystemClock()
    try:
        small = create_account(db, sealer, clock, email="small@bench.iamd")
        big = create_account(db, sealer, clock, email="big@bench.iamd")
        for credential, count in ((small, 10), (big, users)):
            started = time.perf_counter()
            with db.transaction() as conn:
                for index in range(count):
                    user = insert_user(conn, _user(credential.account_id, index, clock.now()))
                    if credential is big and attach_every and index % attach_every == 0:
                        attach(
                            conn, big.account_id, "user", user.user_id, ATTACHED_POLICY, clock.now()
                        )
            print(f"seeded {count:,} users in {time.perf_counter() - started:.1f} s")
    finally:
        db.dispose()
    return small, big


def _user(account_id: str, index: int, now: datetime) -> User:
    return User(
        user_id=ids.entity_id(ids.USER),
        account_id=account_id,
        name=f"user-{index:06d}",
        path="/",
        created_at=now,
        password_last_used=None,
        boundary_arn=None,
    )


class Client:
    """Signed Query requests of one account's root user over one keep-alive connection."""

    def __init__(self, port: int, credential: RootCredential) -> None:
        self.port = port
        self.credentials = Credentials(credential.access_key_id, credential.secret_access_key)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.last_answer = b""

    def sign(self, action: str, params: dict[str, str]) -> Page:
        body = urllib.parse.urlencode({"Action": action, "Version": "2010-05-08", **params})
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        request = AWSRequest(
            method="POST", url=f"http://127.0.0.1:{self.port}/", data=body, headers=headers
        )
        SigV4Auth(self.credentials, "iam", "us-east-1").add_auth(request)
        return Page(body.encode(), dict(request.prepare().headers.items()))

    def send(self, page: Page) -> float:
        """Seconds from sending the request to the last byte of a 200 answer."""
        try:
            return self._send(page)
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # uvicorn closes a connection idle for 5 s (while the other side walks markers)
            self.conn.close()
            return self._send(page)

    def _send(self, page: Page) -> float:
        started = time.perf_counter()
        self.conn.request("POST", "/", body=page.body, headers=page.headers)
        answer = self.conn.getresponse()
        data = answer.read()
        elapsed = time.perf_counter() - started
        if answer.status != 200:
            raise SystemExit(f"{answer.status} for {page.body.decode()}: {data[:500]!r}")
        self.last_answer = data
        return elapsed

    def call(self, action: str, params: dict[str, str]) -> ElementTree.Element:
        self.send(self.sign(action, params))
        return ElementTree.fromstring(self.last_answer)


def markers(client: Client, case: Case, positions: tuple[int, ...]) -> list[str | None]:
    """The markers the server hands out for pages starting at these positions."""
    found: list[str | None] = []
    position, marker = 0, None
    for target in positions:
        while position < target:
            step = min(1000, target - position)
            params = {**case.params, "MaxItems": str(step), **_marker(marker)}
            marker = client.call(case.action, params).findtext(".//iam:Marker", namespaces=NS)
            if marker is None:
                raise SystemExit(f"{case.action} ended before position {target:,}")
            position += step
        found.append(marker)
    return found


def _marker(marker: str | None) -> dict[str, str]:
    return {"Marker": marker} if marker else {}


def measure(clients: dict[str, Client], case: Case, samples: int) -> tuple[list[float], ...]:
    """Latencies of every page of each side, interleaved round by round after a warm-up."""
    sides = (case.reference, case.measured)
    pages = [
        [
            clients[side.account].sign(case.action, {**case.params, **_marker(marker)})
            for marker in markers(clients[side.account], case, side.positions)
        ]
        for side in sides
    ]
    rounds = [-(-samples // len(side.positions)) for side in sides]
    latencies: tuple[list[float], ...] = ([], [])
    for round_index in range(-WARM_UP_ROUNDS, max(rounds)):
        for index, side in enumerate(sides):
            if round_index >= rounds[index]:
                continue
            for page in pages[index]:
                elapsed = clients[side.account].send(page)
                if round_index >= 0:
                    latencies[index].append(elapsed)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def row(case: Case, latencies: tuple[list[float], ...]) -> str:
    """A Markdown table row: p50 / p95 in ms of each side, their ratios, the sample counts."""
    p50 = [percentile(side, 0.50) * 1e3 for side in latencies]
    p95 = [percentile(side, 0.95) * 1e3 for side in latencies]
    return (
        f"| {case.name} | {case.reference.account} {p50[0]:.1f} / {p95[0]:.1f} "
        f"| {case.measured.account} {p50[1]:.1f} / {p95[1]:.1f} "
        f"| {p50[1] / p50[0]:.2f} / {p95[1] / p95[0]:.2f} "
        f"| {len(latencies[0])} + {len(latencies[1])} |"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"not ready: {url}")


def serve(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(port)]
    args += ["--data-dir", str(settings.data_dir), "--log-level", "warning"]
    if settings.database_url:
        args += ["--database-url", settings.database_url]
    return subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="users of the big account")
    parser.add_argument("--samples", type=int, default=300, help="requests per side and case")
    parser.add_argument("--attach-every", type=int, default=0, help="ReadOnlyAccess on every K-th")
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite in a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (to EXPLAIN)")
    options = parser.parse_args()
    started = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="iamd-entities-bench-"))
    settings = Settings(data_dir=data_dir, database_url=options.database_url)
    small, big = seed(settings, options.users, options.attach_every)
    port = free_port()
    server = serve(settings, port, data_dir / "server.log")
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz")
        clients = {"small": Client(port, small), "big": Client(port, big)}
        backend = "PostgreSQL" if options.database_url else "SQLite"
        attached = f"every {options.attach_every}. " if options.attach_every else "no "
        print(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {backend}; {options.users:,} users, "
            f"{attached}user with ReadOnlyAccess attached; "
            f"{platform.machine()}, {platform.python_implementation()} "
            f"{platform.python_version()}; p50 / p95 in ms"
        )
        print("| case | reference | measured | ratio p50 / p95 | samples |")
        print("|---|---|---|---|---|")
        catalog = len(aws_managed_policies())
        for case in cases(options.users, catalog):
            print(row(case, measure(clients, case, options.samples)), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not options.keep:
            shutil.rmtree(data_dir)
    kept = f"; data and server log kept in {data_dir}" if options.keep else ""
    print(f"total {time.perf_counter() - started:.0f} s{kept}")


if __name__ == "__main__":
    main()
