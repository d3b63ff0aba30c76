"""CloudTrail's LookupEvents: the caller's account's event history, newest first.

In: at most one ``LookupAttributes`` entry (EventId, EventName, ReadOnly, Username,
ResourceType, ResourceName, EventSource, AccessKeyId — matched exactly, as AWS
does), ``StartTime``/``EndTime`` (default: the last 90 days up to now), ``MaxResults``
(1–50, default 50), ``NextToken``, ``EventCategory`` (``insight``: iamd records no
Insights events, so none are found). Out: ``Events`` — each with its id, name,
ReadOnly (``"true"``/``"false"``), access key, time, source, user name, the resources
it names and the whole record as ``CloudTrailEvent`` — and a ``NextToken`` while more
remain. The token carries the position of the last event returned and a fingerprint
of the query; given with other parameters it is refused, as AWS refuses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from iamd.errors import (
    InvalidLookupAttributesException,
    InvalidNextTokenException,
    InvalidTimeRangeException,
)
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store.audit_events import EventQuery, StoredEvent
from iamd.store.audit_outbox import find_events_and_waiting

DEFAULT_RANGE = timedelta(days=90)
DEFAULT_MAX_RESULTS = 50


def lookup_events(ctx: OperationContext, params: Params) -> Output:
    attribute = _attribute(params)
    end = params.get("EndTime") or ctx.now
    start = params.get("StartTime") or end - DEFAULT_RANGE
    if start > end:
        raise InvalidTimeRangeException("Start time must be before end time.")
    if params.get("EventCategory") == "insight":
        return {"Events": []}
    limit = params.get("MaxResults") or DEFAULT_MAX_RESULTS
    fingerprint = _fingerprint(ctx.account_id, params)
    token = params.get("NextToken")
    before = _position(token, fingerprint) if token else None
    query = EventQuery(ctx.account_id, start, end, attribute, before, limit=limit + 1)
    found = find_events_and_waiting(ctx.conn, query)
    output: Output = {"Events": [_event(stored) for stored in found[:limit]]}
    if len(found) > limit:
        output["NextToken"] = _token(found[limit - 1], fingerprint)
    return output


def _attribute(params: Params) -> tuple[str, str] | None:
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise InvalidLookupAttributesException(
            "You can look up events by one lookup attribute at a time."
        )
    if not attributes:
        return None
    return attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]


def _event(stored: StoredEvent) -> dict[str, Any]:
    row = stored.row
    event: dict[str, Any] = {
        "EventId": row.event_id,
        "EventName": row.event_name,
        "ReadOnly": "true" if row.read_only else "false",
        "AccessKeyId": row.access_key_id,
        "EventTime": row.event_time,
        "EventSource": row.event_source,
        "Username": row.username,
        "Resources": [{"ResourceType": kind, "ResourceName": name} for kind, name in row.resources],
        "CloudTrailEvent": row.record,
    }
    return event


def _fingerprint(account_id: str, params: Params) -> str:
    """What a token is bound to: the query as given (a default range moves with the clock)."""
    given = [params.get(name) for name in ("StartTime", "EndTime", "LookupAttributes")]
    text = json.dumps([account_id, *given], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _token(last: StoredEvent, fingerprint: str) -> str:
    payload = {"t": last.row.event_time.isoformat(), "e": last.row.event_id, "q": fingerprint}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _position(token: str, fingerprint: str) -> tuple[datetime, str]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        if payload["q"] != fingerprint:
            raise ValueError("another query's token")
        return datetime.fromisoformat(payload["t"]), str(payload["e"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidNextTokenException("Invalid NextToken.") from None


OPERATIONS: OperationTable = {"LookupEvents": lookup_events}
