"""Audit fixtures: a CloudTrail client per account, and waiting for batched events."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from iamd.store.audit_outbox import outbox_has_rows
from support import IamdServer, RootCredential

# Reads are batched (flushed every 0.2 s): a test waits at most this long for one.
PATIENCE = 10.0

POLICY_VERSION = "2012-10-17"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": POLICY_VERSION, "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@dataclass
class Trail:
    """LookupEvents for one account, waiting for batched events to arrive."""

    client: Any

    def events(self, **params: Any) -> list[dict[str, Any]]:
        """Every event the query finds, following NextToken."""
        found: list[dict[str, Any]] = []
        while True:
            answer = self.client.lookup_events(**params)
            found += answer["Events"]
            if "NextToken" not in answer:
                return found
            params["NextToken"] = answer["NextToken"]

    def named(self, name: str, **params: Any) -> list[dict[str, Any]]:
        attribute = {"AttributeKey": "EventName", "AttributeValue": name}
        return self.events(LookupAttributes=[attribute], **params)

    def wait_for(
        self, name: str, count: int = 1, where: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> list[dict[str, Any]]:
        """The records of events named ``name`` (at least ``count`` matching ``where``)."""
        deadline = time.monotonic() + PATIENCE
        while True:
            records = [json.loads(e["CloudTrailEvent"]) for e in self.named(name)]
            matching = [record for record in records if where(record)]
            if len(matching) >= count or time.monotonic() > deadline:
                assert len(matching) >= count, (name, records)
                return matching
            time.sleep(0.1)


@pytest.fixture
def trail(server: IamdServer, account: RootCredential) -> Trail:
    return Trail(server.client("cloudtrail", account.access_key_id, account.secret_access_key))


@pytest.fixture
def trail_of(server: IamdServer) -> Callable[[RootCredential], Trail]:
    def make(credential: RootCredential) -> Trail:
        client = server.client("cloudtrail", credential.access_key_id, credential.secret_access_key)
        return Trail(client)

    return make


def drained(server: IamdServer) -> None:
    """Wait until writes' events have left the outbox for the trail's table.

    LookupEvents sees them at once; what reads the trail's table alone (``iamd audit``,
    policy generation, the access advisor) sees them with the next batch.
    """
    db, _ = server.open_store()
    try:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            with db.transaction(write=False) as conn:
                if not outbox_has_rows(conn):
                    return
            time.sleep(0.05)
        raise AssertionError("the outbox was not drained")
    finally:
        db.dispose()
