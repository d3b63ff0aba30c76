"""Whose X-Forwarded-For names the client: the proxies `--forwarded-allow-ips` names.

The client's address is the audit trail's ``sourceIPAddress`` (and ``aws:SourceIp``,
and the console's per-address throttle): a header from anyone else is not believed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import IamdServer, RootCredential, start_server

CLIENT = "203.0.113.7"


def _create_user_from(server: IamdServer, account: RootCredential, name: str) -> None:
    iam = server.client("iam", account.access_key_id, account.secret_access_key)

    def forwarded(request: Any, **_: Any) -> None:
        request.headers["X-Forwarded-For"] = CLIENT

    iam.meta.events.register("before-sign.iam.CreateUser", forwarded)
    iam.create_user(UserName=name)


def _source_of(server: IamdServer, account: RootCredential, name: str) -> str:
    """The sourceIPAddress of the CreateUser event that created ``name``."""
    trail = server.client("cloudtrail", account.access_key_id, account.secret_access_key)
    attribute = {"AttributeKey": "ResourceName", "AttributeValue": name}
    deadline = time.monotonic() + 10
    while True:
        events = trail.lookup_events(LookupAttributes=[attribute])["Events"]
        created = [json.loads(e["CloudTrailEvent"]) for e in events]
        created = [record for record in created if record["eventName"] == "CreateUser"]
        if created or time.monotonic() > deadline:
            assert created, events
            return str(created[0]["sourceIPAddress"])
        time.sleep(0.1)


def test_a_proxy_on_the_same_host_is_believed_by_default(
    server: IamdServer, account: RootCredential
) -> None:
    _create_user_from(server, account, "behind-local-proxy")
    assert _source_of(server, account, "behind-local-proxy") == CLIENT


@pytest.fixture
def remote_proxy_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[IamdServer]:
    monkeypatch.setenv("IAMD_FORWARDED_ALLOW_IPS", "192.0.2.10")
    running = start_server(tmp_path)
    yield running
    running.stop()


def test_a_header_from_a_peer_not_named_is_not_believed(remote_proxy_only: IamdServer) -> None:
    account = remote_proxy_only.new_account()
    _create_user_from(remote_proxy_only, account, "spoofer")
    assert _source_of(remote_proxy_only, account, "spoofer") == "127.0.0.1"
