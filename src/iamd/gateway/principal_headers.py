"""Who called, told to the upstream in headers, and never taken from the client.

``X-Iamd-Principal-Arn`` (the caller's ARN), ``X-Iamd-Account`` (its account) and
``X-Iamd-Session-Tags`` (a session's tags, URL-encoded ``key=value&…``) are set by the
gateway or forward-auth on every allowed request. Any incoming header whose name
starts with ``x-iamd-`` is dropped first, whatever its case, so a client cannot claim
to be someone else to an upstream that trusts these headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from iamd.auth.caller import Caller

PREFIX = "x-iamd-"
PRINCIPAL_ARN = "X-Iamd-Principal-Arn"
ACCOUNT = "X-Iamd-Account"
SESSION_TAGS = "X-Iamd-Session-Tags"


def without_claims(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with every ``x-iamd-*`` header removed."""
    return {name: value for name, value in headers.items() if not name.lower().startswith(PREFIX)}


def principal_headers(caller: Caller) -> dict[str, str]:
    headers = {PRINCIPAL_ARN: caller.arn, ACCOUNT: caller.account_id}
    session = caller.session
    if session is not None and session.tags:
        headers[SESSION_TAGS] = urlencode(session.tags)
    return headers
