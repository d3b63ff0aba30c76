"""Least privilege, generated: the smallest policy that allows what a principal used.

In: a user's or role's ARN, a window (``since``), the store. Out: a policy document
that allows exactly the (action, resource) pairs the principal was allowed *and*
used in the window — read from the trail's ``iamdDecision`` of every call that was
allowed (a call denied in part counts for nothing) — grouped by service:

- **Actions** as the decisions name them (``iam:CreateUser``), including those a call
  implied (``iam:TagUser`` when creating with tags, ``iam:PassRole``). Actions every
  caller may perform (``sts:GetCallerIdentity``) and those the password policy grants
  need no policy and are left out.
- **Resources** as the decisions named them. Several ARNs of one action are
  generalized to ``<common prefix>*`` only when that is safe: the prefix reaches into
  the resource's name (past ``user/``), no Deny the principal has names the action,
  and every one of its Allows — and its boundary — already reach the whole prefix
  (a pattern ``Q*`` with the prefix starting with ``Q``, or ``*``). Otherwise each
  ARN is listed. So the policy never grants what the principal could not do.
- **Conditions** are kept when every use of the action was allowed by the same
  statement condition (the condition, as written, of the policy version that
  allowed it): the uses satisfied it, and a replay will too.

`unused` answers the other question: which users, roles, access keys and passwords
have not been used for N days, and which granted actions were never used.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from iamd.arn import parse_arn
from iamd.authz.journal import BY_POLICIES
from iamd.errors import InvalidInput
from iamd.policy import Statement, parse_policy
from iamd.policy.match import glob_matches
from iamd.store import roles, users
from iamd.store.attachments import identity_policies
from iamd.store.audit_events import EventScan, scan_events
from iamd.store.policies import default_document, find_policy, find_version

VERSION = "2012-10-17"
_BATCH = 1000


@dataclass(frozen=True)
class Principal:
    """A user or role the policy is generated for."""

    kind: str  # "user" or "role"
    entity_id: str
    account_id: str
    arn: str
    documents: tuple[str, ...]  # its identity policies' documents
    boundary: str | None  # its permissions boundary's document


@dataclass
class _Use:
    """What the trail says of one action: the resources used, the conditions that allowed."""

    resources: set[str] = field(default_factory=set)
    conditions: list[str | None] = field(default_factory=list)


def principal_of(conn: Connection, arn_text: str) -> Principal:
    """The user or role an ARN names, with its policies; AWS's errors otherwise."""
    arn = parse_arn(arn_text)
    kind, _, path_and_name = (arn.resource if arn else "").partition("/")
    if arn is None or arn.service != "iam" or kind not in ("user", "role") or not path_and_name:
        raise InvalidInput(f"ARN {arn_text} names no user or role.")
    name = path_and_name.rsplit("/", 1)[-1]
    if kind == "user":
        user = users.find_user(conn, arn.account, name)
        if user is None:
            raise users.not_found(name)
        entity_id, boundary_arn = user.user_id, user.boundary_arn
    else:
        role = roles.find_role(conn, arn.account, name)
        if role is None:
            raise roles.not_found(name)
        entity_id, boundary_arn = role.role_id, role.boundary_arn
    found = identity_policies(conn, arn.account, kind, entity_id)
    boundary = default_document(conn, boundary_arn) if boundary_arn else None
    documents = tuple(policy.document for policy in found)
    return Principal(kind, entity_id, arn.account, arn_text, documents, boundary)


def generate_policy(conn: Connection, principal: Principal, *, since: datetime) -> dict[str, Any]:
    """The least-privilege policy document for what the principal used since ``since``."""
    uses = _uses(conn, principal, since)
    statements: list[dict[str, Any]] = []
    by_service: dict[str, list[tuple[str, list[str], str | None]]] = defaultdict(list)
    for action, use in sorted(uses.items()):
        resources = _resources(principal, action, use.resources)
        condition = use.conditions[0] if len(set(use.conditions)) == 1 else None
        by_service[action.split(":", 1)[0]].append((action, resources, condition))
    for service, entries in sorted(by_service.items()):
        statements += _statements(service, entries)
    return {"Version": VERSION, "Statement": statements}


# --- reading the trail ----------------------------------------------------------------------


def _uses(conn: Connection, principal: Principal, since: datetime) -> dict[str, _Use]:
    uses: dict[str, _Use] = defaultdict(_Use)
    for record in _allowed_records(conn, principal, since):
        for evaluation in record["iamdDecision"]["evaluations"]:
            if evaluation.get("basis", BY_POLICIES) != BY_POLICIES:
                continue  # allowed without any policy: nothing to grant
            use = uses[evaluation["action"]]
            use.resources.add(evaluation["resource"])
            use.conditions.append(_condition(conn, principal, evaluation))
    return uses


def _allowed_records(conn: Connection, principal: Principal, since: datetime) -> Iterator[Any]:
    scan = EventScan(account_id=principal.account_id, since=since, actor_ids=(principal.entity_id,))
    while True:
        batch = scan_events(conn, replace(scan, limit=_BATCH))
        for stored in batch:
            record = json.loads(stored.row.record)
            if record.get("iamdDecision", {}).get("decision") == "allowed":
                yield record
        if len(batch) < _BATCH:
            return
        scan = replace(scan, after_seq=batch[-1].seq)


def _condition(conn: Connection, principal: Principal, evaluation: Mapping[str, Any]) -> str | None:
    """The condition (JSON text) of the identity statement that allowed a use, if any."""
    allowing = [s for s in evaluation.get("statements", []) if s.get("source") == "identity-based"]
    if len(allowing) != 1:
        return None  # none, or several alike: keeping any one condition could narrow too far
    statement = allowing[0]
    document = _document_of(conn, principal, statement)
    raw = _raw_statement(document, int(statement.get("index", 0))) if document else None
    condition = raw.get("Condition") if raw else None
    return json.dumps(condition, sort_keys=True) if condition else None


def _document_of(
    conn: Connection, principal: Principal, statement: Mapping[str, Any]
) -> str | None:
    if statement.get("policyKind") == "managed" and statement.get("versionId"):
        managed = find_policy(conn, principal.account_id, statement["policy"])
        if managed is None:  # AWS managed: the catalog holds the default version only
            return default_document(conn, statement["policy"])
        version = find_version(conn, managed.policy_id, statement["versionId"])
        return version.document if version is not None else None
    owned = identity_policies(conn, principal.account_id, principal.kind, principal.entity_id)
    for inline in owned:
        owner = f"group/{inline.owner_name}" if inline.owner_kind == "group" else None
        if inline.policy_id == statement.get("policy") and owner == statement.get("owner"):
            return inline.document
    return None


def _raw_statement(document: str, index: int) -> dict[str, Any] | None:
    statements = json.loads(document).get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return statements[index] if 0 <= index < len(statements) else None


# --- resources ------------------------------------------------------------------------------


def _resources(principal: Principal, action: str, used: set[str]) -> list[str]:
    if "*" in used:
        return ["*"]
    arns = sorted(used)
    if len(arns) < 2:
        return arns
    prefix = _common_prefix(arns)
    if prefix is not None and _may_generalize(principal, action, prefix):
        return [prefix + "*"]
    return arns


def _common_prefix(arns: list[str]) -> str | None:
    """The ARNs' common prefix, when it reaches into the resource's name."""
    first, last = arns[0], arns[-1]
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    prefix = first[:length]
    arn = parse_arn(prefix + "x")
    if arn is None or "/" not in arn.resource or arn.resource.endswith("/x"):
        return None  # it stops at the resource type (user/): that would grant every user
    return prefix


def _may_generalize(principal: Principal, action: str, prefix: str) -> bool:
    """Whether every resource under ``prefix`` is one the principal may already act on."""
    identity = list(_statements_of(principal.documents))
    if any(not s.is_allow and _names_action(s, action) for s in identity):
        return False
    boundary = list(_statements_of([principal.boundary] if principal.boundary else []))
    if any(not s.is_allow and _names_action(s, action) for s in boundary):
        return False
    if boundary and not _covered(boundary, action, prefix):
        return False
    return _covered(identity, action, prefix)


def _covered(statements: Iterable[Statement], action: str, prefix: str) -> bool:
    """Does an unconditional Allow reach every resource that starts with ``prefix``?"""
    return any(
        s.is_allow
        and not s.has_condition
        and _names_action(s, action)
        and s.resource is not None
        and any(_reaches(pattern, prefix) for pattern in s.resource)
        for s in statements
    )


def _reaches(pattern: str, prefix: str) -> bool:
    if pattern == "*":
        return True
    head = pattern[:-1]
    return pattern.endswith("*") and "*" not in head and "?" not in head and prefix.startswith(head)


def _names_action(statement: Statement, action: str) -> bool:
    if statement.not_action is not None:
        return not any(glob_matches(p, action, ignore_case=True) for p in statement.not_action)
    return any(glob_matches(p, action, ignore_case=True) for p in statement.action or ())


def _statements_of(documents: Iterable[str]) -> Iterator[Statement]:
    for document in documents:
        yield from parse_policy(document).statements


# --- writing the policy -------------------------------------------------------------------


def _statements(
    service: str, entries: list[tuple[str, list[str], str | None]]
) -> list[dict[str, Any]]:
    """One statement per service and (resources, condition): actions that share both."""
    groups: dict[tuple[tuple[str, ...], str | None], list[str]] = defaultdict(list)
    for action, resources, condition in entries:
        groups[(tuple(resources), condition)].append(action)
    statements = []
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or ""))
    for number, ((arns, condition), actions) in enumerate(ordered, start=1):
        sid = "".join(part.capitalize() for part in service.split("-")) + str(number)
        statement: dict[str, Any] = {
            "Sid": sid,
            "Effect": "Allow",
            "Action": sorted(actions) if len(actions) > 1 else actions[0],
            "Resource": list(arns) if len(arns) > 1 else arns[0],
        }
        if condition is not None:
            statement["Condition"] = json.loads(condition)
        statements.append(statement)
    return statements
