"""Records of repeated calls, serialized once: the same call again costs its time and ids.

Most requests repeat one made a moment before: the same user reading (or tagging) the
same thing with the same input, allowed by the same statement. Their CloudTrail records differ
only in ``eventTime``, ``requestID`` and ``eventID``. Building the record (the
identity, the decision's reasons, the parameters) and serializing it was most of what
the trail cost a request, so the first such call's record is kept as a template: its
JSON cut around those three values, and its row.

In: an `ApiCall` that was answered. Out: its `AuditRow`, byte for byte the row
`events.rows(api_calls.happened(call))` gives (with a fresh event id) — or None when
the call is not one a template serves: an IAM read, or a write that answered
nothing, answered without error, by a caller with a long-term key (a session's
record names the session). The template's key is everything the record is built
from but the time and the request id: the caller, the action and its input, the
region, where the request came from, and every evaluation of the decision
(`_decision_key`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from iamd.audit.api_calls import ApiCall, happened
from iamd.audit.events import event_id, event_time, record_element, rows
from iamd.authz.journal import Journal
from iamd.operation import is_read_only
from iamd.store.audit_events import AuditRow

# Templates kept at most; past that the cache starts afresh (it refills in a request each).
MAX_TEMPLATES = 4096
# Input values a key may hold as they are: immutable, and equal only when their records
# are (one member has one type in the model, so True and 1 never meet).
_PLAIN = frozenset({str, int, bool, type(None)})
_UNKEYABLE = object()
_new_tuple = tuple.__new__


@dataclass(frozen=True, slots=True)
class Template:
    """A record cut around its time and ids, and the row every other column is from."""

    row: AuditRow
    head: str  # up to eventTime's text
    middle: str  # from after eventTime to requestID's JSON string
    between: str  # from after requestID to eventID's text
    tail: str
    # The decisions' origins mappings, whose ids the key holds: kept alive while the
    # template is, so no other mapping can take one of their ids.
    kept: tuple[object, ...]

    def row_for(self, when: datetime, request_id: str) -> AuditRow:
        """The row of a call this template serves, received at ``when``."""
        stamp = when.timestamp()
        new_id = event_id(when, stamp=stamp)
        record = "".join(
            (
                self.head,
                event_time(when, stamp=stamp),
                self.middle,
                orjson.dumps(request_id).decode(),
                self.between,
                new_id,
                self.tail,
            )
        )
        row = self.row
        # The tuple made directly: AuditRow's own __new__ is a Python frame of 13
        # arguments, and this runs for nearly every request.
        return _new_tuple(
            AuditRow,
            (
                new_id,
                row.account_id,
                when,
                row.event_source,
                row.event_name,
                row.aws_region,
                row.read_only,
                row.username,
                row.access_key_id,
                row.actor_id,
                row.error_code,
                record,
                row.resources,
            ),
        )


_templates: dict[tuple[Any, ...], Template] = {}


def templated_rows(call: ApiCall) -> list[AuditRow] | None:
    """The call's rows from its template (made now if it has none); None: not one served."""
    key = template_key(call)
    if key is None:
        return None
    template = _templates.get(key)
    if template is None:
        template = _template(call)
        if template is None:
            return None
        if len(_templates) >= MAX_TEMPLATES:
            _templates.clear()
        _templates[key] = template
    return [template.row_for(call.received_at, call.request_id)]


def template_key(call: ApiCall) -> tuple[Any, ...] | None:
    """What the call's record is built from, but its time and ids; None: no template."""
    caller, operation, meta = call.caller, call.operation, call.meta
    if caller is None or operation is None or call.error is not None or call.service != "iam":
        return None
    if caller.session is not None or caller.kind == "anonymous":
        return None
    # A read's record has no responseElements; a write's has none when it answered
    # nothing (TagUser, DeleteRole …), and names nothing it created.
    if call.output and not is_read_only(call.action):
        return None
    inputs = _frozen(call.params) if call.params else ()
    if inputs is _UNKEYABLE:
        return None
    decided = _decision_key(call.journal)
    return (
        call.action,
        operation.name,
        call.region,
        meta.source_ip,
        meta.user_agent,
        call.from_console,
        caller.kind,
        caller.user_id,
        caller.arn,
        caller.account_id,
        caller.access_key_id,
        caller.name,
        caller.partition,
        caller.entity_id,
        inputs,
        decided,
    )


def _frozen(value: Any) -> Any:
    """The input as a key: lists and structures as tuples, each marked with its kind.

    `_UNKEYABLE` for a value of another type (a timestamp, bytes): no template.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is not dict and kind is not list:
        return _UNKEYABLE
    parts = []
    # Loops rather than comprehensions: this runs for every templated call.
    for part in value.items() if kind is dict else value:
        frozen = (part[0], _frozen(part[1])) if kind is dict else _frozen(part)
        if frozen is _UNKEYABLE or (kind is dict and frozen[1] is _UNKEYABLE):
            return _UNKEYABLE
        parts.append(frozen)
    return (kind, tuple(parts))


def _decision_key(journal: Journal) -> tuple[Any, ...]:
    """Every part of the evaluations that `reasons.decision_element` reads."""
    parts: list[Any] = []
    for evaluation in journal.evaluations:
        decision = evaluation.decision
        parts.append(
            (
                evaluation.action,
                evaluation.resource,
                evaluation.allowed,
                evaluation.basis,
                id(evaluation.origins),
            )
        )
        if decision is None:
            parts.append(None)
            continue
        parts.append((decision.kind, decision.deciding_policy_type, decision.reasons))
        for m in decision.matched:
            parts.append((m.policy_id, m.policy_type, m.source, m.sid, m.effect, m.start, m.index))
        parts.append(len(decision.matched))
    return tuple(parts)


def _template(call: ApiCall) -> Template | None:
    """The call's record with markers for its time and ids, cut at them."""
    event = happened(call)
    stored = rows(event)
    if len(stored) != 1:
        return None
    row = stored[0]
    time_mark, request_mark, id_mark = (secrets.token_hex(16) for _ in range(3))
    record = record_element(event, id_mark, row.account_id, None)
    record["eventTime"], record["requestID"] = time_mark, request_mark  # in their places
    marked = orjson.dumps(record, default=str).decode()
    request_mark = f'"{request_mark}"'  # spliced as a JSON string, quotes and all
    # The markers are fresh random text: each is found once, or no template is made.
    if any(marked.count(mark) != 1 for mark in (time_mark, request_mark, id_mark)):
        return None
    head, after_time = marked.split(time_mark)
    middle, after_request = after_time.split(request_mark)
    between, tail = after_request.split(id_mark)
    kept = tuple(evaluation.origins for evaluation in call.journal.evaluations)
    return Template(row, head, middle, between, tail, kept)
