"""Fixtures for the data plane: a real S3-compatible upstream (moto's server), an
``iamd gateway --service s3`` in front of it sharing the session's ``iamd serve`` store,
and clients for both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway_support import (
    EchoUpstream,
    GatewayProcess,
    MotoServer,
    gateway_client,
    start_gateway,
    start_moto,
)
from support import IamdServer


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
