"""An event: one CloudTrail record, and the columns the store filters it by.

In: what happened, already in CloudTrail's words (`Happened`): the source and name,
who (``userIdentity``), from where, the parameters, the answer or the error, the
decision, the accounts whose history it belongs to. Out: one `AuditRow` per account —
an event that crosses accounts is delivered to each, with its own ``eventID``,
``recipientAccountId`` and one ``sharedEventID`` they have in common, as AWS does.

The record's fields, in CloudTrail's order: ``eventVersion``, ``userIdentity``,
``eventTime``, ``eventSource``, ``eventName``, ``awsRegion``, ``sourceIPAddress``,
``userAgent``, ``errorCode``/``errorMessage`` (on failure), ``requestParameters``,
``responseElements``, ``additionalEventData`` (sign-ins), ``requestID``,
``eventID``, ``readOnly``, ``resources`` (when the event names them),
``eventType``, ``managementEvent``, ``recipientAccountId``, ``sharedEventID``
(across accounts), ``eventCategory``, ``sessionCredentialFromConsole`` (console
calls) and iamd's ``iamdDecision`` (`iamd.audit.reasons`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from iamd.store.audit_events import AuditRow, fitted

EVENT_VERSION = "1.11"
API_CALL = "AwsApiCall"
CONSOLE_SIGN_IN = "AwsConsoleSignIn"

Element = dict[str, Any]


def event_source(service: str) -> str:
    """``iam`` → ``iam.amazonaws.com``: the service's endpoint as CloudTrail names it."""
    return f"{service}.amazonaws.com"


def event_time(moment: datetime, *, stamp: float | None = None) -> str:
    """``2026-12-04T06:13:21Z``: CloudTrail's eventTime, to the second.

    ``stamp``: the moment's ``timestamp()``, when the caller has it already.
    """
    global _last_second
    # Most events fall in the same second as the one before: formatting an aware
    # datetime costs five times finding its second. One tuple, replaced whole, so a
    # thread never reads one second's text with another's.
    second = int((moment.timestamp() if stamp is None else stamp) // 1)
    last = _last_second
    if last[0] == second:
        return last[1]
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    # isoformat's first 19 characters are the time to the second, whatever follows
    # (a fraction, an offset): half the cost of dropping the zone first.
    text = utc.isoformat()[:19] + "Z"
    _last_second = (second, text)
    return text


_last_second: tuple[int, str] = (-(2**63), "")


# Not frozen: one is built for every request, and a frozen dataclass's per-field
# setattr costs more than the rest of the event. Nothing changes one once built.
@dataclass(slots=True)
class Happened:
    """One event in CloudTrail's terms, before it is addressed to its accounts."""

    when: datetime
    source: str
    name: str
    region: str
    identity: Element
    source_ip: str
    user_agent: str
    request_id: str
    read_only: bool
    accounts: tuple[str | None, ...]  # whose event history holds it; the first is the caller's
    event_type: str = API_CALL
    request_parameters: Any = None
    response_elements: Any = None
    error_code: str | None = None
    error_message: str | None = None
    additional: Element | None = None
    resources: tuple[Element, ...] = ()  # the record's own ``resources`` element
    lookup_resources: tuple[tuple[str, str], ...] = ()  # LookupEvents' (type, name) pairs
    from_console: bool = False
    is_management: bool = True  # False: a data event (the data plane's object reads …)
    decision: Element = field(default_factory=dict)
    username: str | None = None
    actor_id: str | None = None


def rows(happened: Happened) -> list[AuditRow]:
    """The event as stored: one row per account whose history holds it."""
    accounts = happened.accounts
    if len(accounts) <= 1:  # nearly every event: one account, or none known
        return [_row(happened, accounts[0] if accounts else None, None)]
    shared = event_id(happened.when)
    return [_row(happened, account, shared) for account in accounts]


def event_id(when: datetime, *, stamp: float | None = None) -> str:
    """A random UUID whose first 48 bits are the event's time in milliseconds (RFC 9562 v7).

    Still AWS's eventID form, and random enough (74 bits) that no two collide. It leads
    with the event's own time, so an event is found by its id through the trail's
    time index (`store.audit_events`), and new ids land together in the pages that
    hold them, not at random ones. ``stamp`` as for `event_time`.
    """
    milliseconds = int((when.timestamp() if stamp is None else stamp) * 1000)
    text = (milliseconds.to_bytes(6, "big") + os.urandom(10)).hex()
    variant = _VARIANT[text[16]]
    return f"{text[:8]}-{text[8:12]}-7{text[13:16]}-{variant}{text[17:20]}-{text[20:]}"


# A random hex digit → the same digit with RFC 9562's variant bits (10) as its top two.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _row(happened: Happened, account: str | None, shared: str | None) -> AuditRow:
    event_id_ = event_id(happened.when)
    record = record_element(happened, event_id_, account, shared)
    # Positional, in AuditRow's order: a NamedTuple built by keyword costs twice as much.
    return fitted(
        AuditRow(
            event_id_,
            account,
            happened.when,
            happened.source,
            happened.name,
            happened.region,
            happened.read_only,
            happened.username,
            happened.identity.get("accessKeyId") or None,
            happened.actor_id,
            happened.error_code,
            # orjson: a tenth of the stdlib's time, and this runs once per request.
            orjson.dumps(record, default=str).decode(),
            happened.lookup_resources,
        )
    )


def record_element(
    happened: Happened, event_id: str, account: str | None, shared: str | None
) -> Element:
    """The CloudTrail record of the event as delivered to ``account``, as a dict."""
    record: Element = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": happened.identity,
        "eventTime": event_time(happened.when),
        "eventSource": happened.source,
        "eventName": happened.name,
        "awsRegion": happened.region,
        "sourceIPAddress": happened.source_ip,
        "userAgent": happened.user_agent,
    }
    if happened.error_code is not None:
        record["errorCode"] = happened.error_code
    if happened.error_code is not None or happened.error_message is not None:
        record["errorMessage"] = happened.error_message or ""
    record["requestParameters"] = happened.request_parameters
    record["responseElements"] = happened.response_elements
    if happened.additional is not None:
        record["additionalEventData"] = happened.additional
    if happened.event_type == API_CALL:
        record["requestID"] = happened.request_id
    record["eventID"] = event_id
    record["readOnly"] = happened.read_only
    if happened.resources:
        record["resources"] = list(happened.resources)
    record["eventType"] = happened.event_type
    record["managementEvent"] = happened.is_management
    record["recipientAccountId"] = account or ""
    if shared is not None:
        record["sharedEventID"] = shared
    record["eventCategory"] = "Management" if happened.is_management else "Data"
    if happened.from_console:
        record["sessionCredentialFromConsole"] = "true"
    record["iamdDecision"] = happened.decision
    return record


def distinct(accounts: Sequence[str | None]) -> tuple[str | None, ...]:
    """The accounts in order, each once; an empty account id is no account."""
    seen: list[str | None] = []
    for account in accounts:
        if account and account not in seen:
            seen.append(account)
    return tuple(seen)
