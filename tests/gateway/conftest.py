"""Fixtures for the data plane: a real S3-compatible upstream (moto's server), an
``iamd gateway --service s3`` in front of it sharing the session's ``iamd serve`` store,
and clients for both."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway_support import (
    EchoUpstream,
    GatewayProcess,
    LoopbackRelay,
    MotoServer,
    gateway_client,
    recording,
    start_gateway,
    start_moto,
)
from support import REGION, IamdServer


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    running = start_moto(tmp_path_factory.mktemp("moto"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def s3_gateway(server: IamdServer, moto: MotoServer) -> Iterator[GatewayProcess]:
    running = start_gateway(server, moto)
    yield running
    running.stop()


@pytest.fixture
def upstream(moto: MotoServer) -> Any:
    """An S3 client straight to the upstream, to see what really reached it."""
    return moto.client()


@pytest.fixture
def s3_client(s3_gateway: GatewayProcess) -> Callable[..., Any]:
    """boto3 S3 clients through the gateway: s3_client(key_id, secret, token=None)."""

    def make(key_id: str, secret: str, token: str | None = None, **config: Any) -> Any:
        return gateway_client(s3_gateway, key_id, secret, token, **config)

    return make


@pytest.fixture
def tmp_files(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(scope="session")
def echo() -> Iterator[EchoUpstream]:
    """An HTTP API that answers with what it received: the execute-api upstream."""
    upstream = EchoUpstream()
    yield upstream
    upstream.stop()


class TlsRelay(LoopbackRelay):
    """HTTPS in front of the gateway, relaying the bytes as they are.

    boto3 and the AWS CLI send a checksum as an aws-chunked trailer only over HTTPS
    (botocore's ``httpchecksum``): this is how a test sees them do it, unchanged.
    """

    scheme = "https"

    def __init__(self, target_port: int, directory: Path) -> None:
        self.certificate = directory / "relay.pem"
        key = directory / "relay-key.pem"
        _self_signed(self.certificate, key)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.certificate, key)
        self._target_port = target_port
        super().__init__()

    def serve(self, client: socket.socket) -> None:
        threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            secure = self._context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()
            return
        # Each socket is closed only once neither direction uses it: a socket closed
        # while the other direction still writes to it frees its descriptor, which a
        # new connection of this process (say, a test's PostgreSQL connection) may
        # take over and receive that write.
        with secure, socket.create_connection(("127.0.0.1", self._target_port)) as target:
            back = threading.Thread(target=_pump, args=(target, secure), daemon=True)
            back.start()
            _pump(secure, target)
            back.join()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy until either side closes, then shut both down (which ends the other
    direction too) without closing them."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for each in (source, sink):
            with contextlib.suppress(OSError, ValueError):
                each.shutdown(socket.SHUT_RDWR)


def _self_signed(certificate: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.fixture(scope="session")
def tls_gateway(
    s3_gateway: GatewayProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TlsRelay]:
    relay = TlsRelay(s3_gateway.port, tmp_path_factory.mktemp("tls"))
    yield relay
    relay.stop()


@pytest.fixture
def https_client(tls_gateway: TlsRelay, credential: tuple[str, str]) -> Any:
    """boto3 over HTTPS (which sends its checksum as a trailer), recording what it sends."""
    client = boto3.client(
        "s3", endpoint_url=tls_gateway.endpoint, region_name=REGION,
        aws_access_key_id=credential[0], aws_secret_access_key=credential[1],
        verify=str(tls_gateway.certificate),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )  # fmt: skip
    return recording(client)
