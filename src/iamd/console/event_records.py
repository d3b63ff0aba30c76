"""Event history's events on a page: LookupEvents' events as rows, and why each was decided.

In: one event of LookupEvents' ``Events`` (its ``CloudTrailEvent`` is the whole record
as JSON text). Out: `EventRow` (what the table shows, the record read back) and, for
the event's own page, the record's ``iamdDecision`` as `Evaluation`s in words: what
was asked, what was decided, and each statement that decided it ("Allow statement 0
(Sid "Ops") of managed policy …, version v2, line 3").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DECISIONS = {
    "allowed": "Allowed",
    "explicitDeny": "Denied by an explicit Deny",
    "implicitDeny": "Denied: no statement allows it",
}
OUTCOMES = {"allowed": "Allowed", "denied": "Denied", "notEvaluated": "Not evaluated"}


@dataclass(frozen=True)
class EventRow:
    event_id: str
    event_name: str
    event_time: datetime
    user_name: str
    event_source: str
    resources: list[dict[str, str]]
    error_code: str
    outcome: str  # Allowed, Denied, Not evaluated (or "" when the record says nothing)
    record: dict[str, Any]


def event_row(event: dict[str, Any]) -> EventRow:
    record = _record(event.get("CloudTrailEvent", ""))
    outcome = record.get("iamdDecision", {}).get("decision", "")
    return EventRow(
        event_id=event["EventId"],
        event_name=event.get("EventName", ""),
        event_time=event["EventTime"],
        user_name=event.get("Username", ""),
        event_source=event.get("EventSource", ""),
        resources=event.get("Resources", []),
        error_code=str(record.get("errorCode", "")),
        outcome=OUTCOMES.get(outcome, ""),
        record=record,
    )


def _record(text: str) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def pretty_record(row: EventRow) -> str:
    return json.dumps(row.record, indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class Statement:
    words: str  # "Allow statement 0 (Sid "Ops")"
    policy: str  # the policy's ARN or, for an inline policy, its name
    policy_is_arn: bool
    detail: str  # "managed policy, version v2, line 3, column 5"


@dataclass(frozen=True)
class Evaluation:
    action: str
    resource: str
    decision: str  # in words
    is_allowed: bool
    basis: str
    decided_by: str
    reasons: list[str]
    statements: list[Statement]
    limited_by: list[Statement]


def evaluations_of(record: dict[str, Any]) -> list[Evaluation]:
    """The record's ``iamdDecision`` evaluations, in words."""
    element = record.get("iamdDecision", {})
    return [_evaluation(item) for item in element.get("evaluations", [])]


def _evaluation(item: dict[str, Any]) -> Evaluation:
    decision = str(item.get("decision", ""))
    return Evaluation(
        action=str(item.get("action", "")),
        resource=str(item.get("resource", "")),
        decision=DECISIONS.get(decision, decision),
        is_allowed=decision == "allowed",
        basis=str(item.get("basis", "")),
        decided_by=str(item.get("decidedBy", "")),
        reasons=[str(reason) for reason in item.get("reasons", [])],
        statements=[_statement(s) for s in item.get("statements", [])],
        limited_by=[_statement(s) for s in item.get("limitedBy", [])],
    )


def _statement(item: dict[str, Any]) -> Statement:
    policy = str(item.get("policy", ""))
    words = f"{item['effect']} statement {item.get('index', '')}" if "effect" in item else ""
    if item.get("sid"):
        words += f' (Sid "{item["sid"]}")'
    return Statement(
        words=words.strip(),
        policy=policy,
        policy_is_arn=policy.startswith("arn:"),
        detail=", ".join(_details(item)),
    )


def _details(item: dict[str, Any]) -> list[str]:
    details = []
    kind = str(item.get("policyKind", ""))
    if kind:  # managed, inline, permissions boundary, session policy, trust policy
        details.append(kind if kind.endswith(("policy", "boundary")) else f"{kind} policy")
    if item.get("owner"):
        details.append(f"of {item['owner']}")
    if item.get("versionId"):
        details.append(f"version {item['versionId']}")
    if "line" in item:
        details.append(f"line {item['line']}, column {item.get('column', '')}")
    return details
