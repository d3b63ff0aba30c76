"""Fixtures: a session-wide ``iamd serve``, a fresh account per test, boto3 clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from iamd.store.database import Database, sqlite_url
from support import IamdServer, RootCredential, fresh_database_url, start_server


@pytest.fixture(autouse=True, scope="session")
def _isolated_aws_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the developer's ~/.aws or reaches for instance metadata."""
    home = tmp_path_factory.mktemp("aws-home")
    saved = dict(os.environ)
    os.environ.update(
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated store of the test's own on the test backend: a new PostgreSQL database
    under ``IAMD_TEST_DATABASE_URL``, else SQLite in the test's directory. (Modules
    that need another store, such as the session server's, define their own ``db``.)"""
    database = Database(fresh_database_url() or sqlite_url(str(tmp_path / "iamd.sqlite3")))
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamdServer]:
    running = start_server(tmp_path_factory.mktemp("iamd"))
    yield running
    running.stop()
    # Whatever the whole run threw at it, the server answered without a traceback:
    # one is either a bug (a 500) or a client able to flood the log.
    assert running.traceback() is None, running.traceback()


@pytest.fixture
def account(server: IamdServer) -> RootCredential:
    """A fresh account of its own for this test, with a root access key."""
    return server.new_account()


@pytest.fixture
def iam(server: IamdServer, account: RootCredential) -> Any:
    return server.client("iam", account.access_key_id, account.secret_access_key)


@pytest.fixture
def sts(server: IamdServer, account: RootCredential) -> Any:
    return server.client("sts", account.access_key_id, account.secret_access_key)


@pytest.fixture
def make_client(server: IamdServer) -> Callable[..., Any]:
    """boto3 clients for any credential: make_client("iam", key_id, secret)."""
    return server.client
