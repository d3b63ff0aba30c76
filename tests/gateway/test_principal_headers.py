"""Who called, in headers only the gateway sets."""

from __future__ import annotations

from datetime import UTC, datetime

from iamd.auth.caller import Caller, Session
from iamd.gateway.principal_headers import principal_headers, without_claims


def test_claims_are_removed_whatever_their_case() -> None:
    headers = {"X-IAMD-Principal-Arn": "forged", "x-iamd-anything": "x", "accept": "*/*"}
    assert without_claims(headers) == {"accept": "*/*"}


def test_a_sessions_tags_are_url_encoded() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session = Session("assumed-role", now, now, tags=(("team", "blue green"), ("cost", "a&b")))
    caller = Caller("111122223333", "assumed-role", "arn:aws:sts::111122223333:assumed-role/r/s",
                    "AROA:s", session=session)  # fmt: skip
    assert principal_headers(caller) == {
        "X-Iamd-Principal-Arn": "arn:aws:sts::111122223333:assumed-role/r/s",
        "X-Iamd-Account": "111122223333",
        "X-Iamd-Session-Tags": "team=blue+green&cost=a%26b",
    }
