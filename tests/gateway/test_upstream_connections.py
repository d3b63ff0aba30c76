"""``iamd gateway --upstream-max-connections``: a flood of clients never makes the gateway
open more connections to the upstream than it allows, and every request is served."""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway_support import (
    GatewayProcess,
    LoopbackRelay,
    MotoServer,
    gateway_client,
    signed_request,
    start_gateway,
)
from support import IamdServer, RootCredential


class CountingRelay(LoopbackRelay):
    """TCP in front of the upstream, counting the connections the gateway holds open.

    A connection counts from its accept until the gateway closes its end; that end is
    looked at (a peek) on every accept, so a close just before the next connect is
    never counted as open."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._lock = threading.Lock()
        self._held: list[socket.socket] = []
        self.most_open = 0
        self.accepted = 0
        self.passing = threading.Event()  # cleared: bytes wait here, the upstream seems hung
        self.passing.set()
        self.stalled = threading.Event()  # set once bytes have waited while passing was cleared
        super().__init__()

    def serve(self, client: socket.socket) -> None:
        with self._lock:
            self._held = [held for held in self._held if _is_open(held)]
            self._held.append(client)
            self.accepted += 1
            self.most_open = max(self.most_open, len(self._held))
        target = socket.create_connection(("127.0.0.1", self._target_port))
        for source, sink in ((target, client), (client, target)):
            pump = threading.Thread(target=_pump, args=(source, sink, self))
            pump.daemon = True
            pump.start()


def _is_open(connection: socket.socket) -> bool:
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def _pump(source: socket.socket, sink: socket.socket, relay: CountingRelay) -> None:
    try:
        while data := source.recv(65536):
            if not relay.passing.is_set():
                relay.stalled.set()
            relay.passing.wait()
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def relay(moto: MotoServer) -> Iterator[CountingRelay]:
    running = CountingRelay(moto.port)
    yield running
    running.stop()


@pytest.fixture
def capped_gateway(
    server: IamdServer, relay: CountingRelay, tmp_path: Path
) -> Iterator[GatewayProcess]:
    through_relay = MotoServer(tmp_path, port=relay.port)  # the gateway's upstream: the relay
    running = start_gateway(server, through_relay, "--upstream-max-connections", "2")
    yield running
    running.stop()


def test_many_concurrent_gets_share_two_upstream_connections(
    capped_gateway: GatewayProcess, relay: CountingRelay, account: RootCredential
) -> None:
    client = gateway_client(
        capped_gateway, account.access_key_id, account.secret_access_key,
        max_pool_connections=32,
    )  # fmt: skip
    bucket = "iamd-" + secrets.token_hex(6)
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="small", Body=b"x" * 1024)

    def read(_: Any) -> bytes:
        return bytes(client.get_object(Bucket=bucket, Key="small")["Body"].read())

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(read, range(64)))
    assert answers == [b"x" * 1024] * 64
    assert 1 <= relay.most_open <= 2


def test_a_request_that_waits_too_long_for_a_connection_is_told_to_slow_down(
    server: IamdServer, relay: CountingRelay, tmp_path: Path, account: RootCredential
) -> None:
    through_relay = MotoServer(tmp_path, port=relay.port)
    gateway = start_gateway(server, through_relay, "--upstream-max-connections", "1")
    try:
        client = gateway_client(gateway, account.access_key_id, account.secret_access_key)
        bucket = "iamd-" + secrets.token_hex(6)
        client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key="k", Body=b"v")
        relay.passing.clear()  # the next request holds the one connection, unanswered
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(lambda: client.get_object(Bucket=bucket, Key="k")["Body"].read())
            # Only once the held request has the connection may the second one ask for it;
            # otherwise the second could win the race and hang in the first one's place.
            assert relay.stalled.wait(timeout=30)
            with pytest.raises(ClientError) as refused:  # after the gateway's 10 s wait
                client.get_object(Bucket=bucket, Key="other")
            relay.passing.set()
            assert held.result(timeout=30) == b"v"
        answer = refused.value.response
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert answer["Error"]["Code"] == "SlowDown"
    finally:
        gateway.stop()


def test_refused_requests_never_cause_a_connection_to_the_upstream(
    capped_gateway: GatewayProcess, relay: CountingRelay, account: RootCredential
) -> None:
    """Not even the spare the gateway opens ahead of the next forward: only an allowed
    request's forward opens one."""
    bucket = "iamd-" + secrets.token_hex(6)
    forged = (account.access_key_id, "not-the-secret")

    def refused() -> None:
        for method, path in (("GET", f"/{bucket}/k"), ("PUT", f"/{bucket}/k"), ("GET", "/")):
            answer = signed_request(capped_gateway, forged, method, path, body=b"")
            assert answer.status == 403
        time.sleep(0.2)

    refused()
    assert relay.accepted == 0
    client = gateway_client(capped_gateway, account.access_key_id, account.secret_access_key)
    client.create_bucket(Bucket=bucket)  # allowed: its forward, then one spare
    opened = _settled(relay)
    assert opened >= 1
    refused()
    assert relay.accepted == opened


def _settled(relay: CountingRelay) -> int:
    """The relay's count of connections once no more come (a spare may be on its way)."""
    count = relay.accepted
    for _ in range(50):
        time.sleep(0.3)
        if relay.accepted == count:
            return count
        count = relay.accepted
    return count
