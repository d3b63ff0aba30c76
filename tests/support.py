"""Shared test helpers: a real ``iamd serve`` on a loopback port, boto3 clients.

Tests talk to the server as a user would. The backend is SQLite unless
``IAMD_TEST_DATABASE_URL`` names a PostgreSQL cluster (``make test`` runs the suite
once each way); then every server gets a database of its own in that cluster.
Each test gets a fresh account in the session's server, so tests never see each
other's users.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from iamd.accounts import RootCredential, create_account
from iamd.clock import SystemClock
from iamd.store.database import Database
from iamd.store.sealing import Sealer, load_master_key

BOOTSTRAP = RootCredential(
    "111122223333", "AKIAIAMDTESTROOT0001", "iamd-test-root-secret/0123456789abcdefghi"
)
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database_url() -> str | None:
    """A new, empty PostgreSQL database when testing on PostgreSQL; else None (SQLite)."""
    admin_url = os.environ.get("IAMD_TEST_DATABASE_URL")
    if not admin_url:
        return None
    name = "iamd_" + secrets.token_hex(6)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@dataclass
class IamdServer:
    """A running ``iamd serve`` subprocess."""

    data_dir: Path
    database_url: str | None
    port: int = field(default_factory=_free_port)
    workers: int = 1
    log_level: str = "warning"
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "iamd.cli.main",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--account-id",
            BOOTSTRAP.account_id,
            "--root-access-key-id",
            BOOTSTRAP.access_key_id,
            "--root-secret-access-key",
            BOOTSTRAP.secret_access_key,
            "--signup",
            "open",
            "--signups-per-hour",
            "100000",
            "--log-level",
            self.log_level,
        ]
        if self.database_url:
            args += ["--database-url", self.database_url]
        if self.workers > 1:
            args += ["--workers", str(self.workers)]
        return args

    def start(self) -> IamdServer:
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"iamd serve exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.endpoint + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"iamd serve did not become ready:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def traceback(self) -> str | None:
        """The first traceback the server logged, with what came before it; None if none."""
        return first_traceback(self.log())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def open_store(self) -> tuple[Database, Sealer]:
        url = self.database_url or f"sqlite:///{self.data_dir / 'iamd.sqlite3'}"
        return Database(url), Sealer(load_master_key(self.data_dir))

    def new_account(self, email: str | None = None) -> RootCredential:
        db, sealer = self.open_store()
        try:
            return create_account(
                db, sealer, SystemClock(), email=email or f"{secrets.token_hex(6)}@example.com"
            )
        finally:
            db.dispose()

    def client(self, service: str, key_id: str, secret: str, token: str | None = None) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            aws_session_token=token,
        )


def start_server(
    directory: Path,
    *,
    database_url: str | None = None,
    workers: int = 1,
    log_level: str = "warning",
) -> IamdServer:
    data_dir = directory / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or fresh_database_url()
    return IamdServer(data_dir, url, workers=workers, log_level=log_level).start()


# Python starts every traceback it prints with this line; a client's text in a log line
# (say, a path) cannot, because iamd logs such text quoted.
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):$", re.MULTILINE)


def first_traceback(log: str) -> str | None:
    found = _TRACEBACK.search(log)
    return None if found is None else log[max(0, found.start() - 2000) :][:8000]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of an AWS error answer."""
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


FORM = "application/x-www-form-urlencoded; charset=utf-8"


def send_signed(
    server: IamdServer,
    credential: RootCredential | None,
    body: bytes,
    *,
    service: str = "iam",
    method: str = "POST",
    query: str = "",
    region: str = REGION,
) -> tuple[int, bytes]:
    """Send raw Query bytes signed by botocore's own signer (unsigned without a credential):
    the body can be anything a broken client, or an attacker, might send."""
    url = f"{server.endpoint}/" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": FORM})
    if credential is not None:
        keys = Credentials(credential.access_key_id, credential.secret_access_key)
        SigV4Auth(keys, service, region).add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(
        prepared.url,
        data=body if method == "POST" else None,
        method=method,
        headers=dict(prepared.headers.items()),
    )
    try:
        with urllib.request.urlopen(raw, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def certificate_pem(*, not_after: datetime | None = None) -> str:
    """A fresh self-signed X.509 certificate, valid for a year unless told otherwise."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "iamd test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(not_after or now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class RawReply:
    """An HTTP answer read off a socket as it came: status, headers (lowercased), body."""

    status: int
    headers: dict[str, str]
    body: bytes


def exchange(port: int, data: bytes) -> bytes:
    """Send bytes as they are, say nothing more, and read whatever comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def read_reply(reply: bytes) -> RawReply:
    """The first answer in ``reply``, its body cut at its Content-Length."""
    head, _, rest = reply.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", len(rest)))
    return RawReply(int(status_line.split(" ")[1]), headers, rest[:length])


def set_signing_clock(monkeypatch: pytest.MonkeyPatch, now: Callable[[], datetime]) -> None:
    """Make botocore sign at ``now()`` (aware, UTC), whichever SigV4 signer it uses.

    With awscrt installed (a dependency, for S3's checksums) botocore signs through the
    CRT (`botocore.crt.auth`), which reads the time through a name of its own.
    """

    def current(remove_tzinfo: bool = True) -> datetime:
        moment = now().astimezone(UTC)
        return moment.replace(tzinfo=None) if remove_tzinfo else moment

    import botocore.auth

    monkeypatch.setattr(botocore.auth, "get_current_datetime", current)
    crt_auth = sys.modules.get("botocore.crt.auth")
    if crt_auth is not None:
        monkeypatch.setattr(crt_auth, "get_current_datetime", current)
