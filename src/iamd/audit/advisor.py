"""The access advisor, from the trail: which services (and actions) an identity used.

- ``GenerateServiceLastAccessedDetails`` (``SERVICE_LEVEL`` or ``ACTION_LEVEL``) for a
  user, group, role or managed policy: the report is computed from the trail when the
  job is created and stored, so the job is ``COMPLETED`` as soon as it exists (AWS
  runs it in the background; a client that polls sees it done at once).
- ``GetServiceLastAccessedDetails``: every service the subject's policies allow, with
  the last authenticated attempt (allowed or denied — AWS reports attempts), by whom
  and in which Region, and how many of its users and roles made one; at
  ``ACTION_LEVEL`` the tracked services' actions too (``TRACKED_SERVICES``: the ones
  iamd serves and records).
- ``GetServiceLastAccessedDetailsWithEntities``: for one service, each user and role
  whose calls count (a group's members, a policy's users and roles) and when.
- ``ListPoliciesGrantingServiceAccess``: the identity policies of a user, group or role
  that allow anything in the given services.

A report answers only the principal that generated it, as AWS's does: the same user
(with its long-term key, a GetSessionToken session or the console) or root user, or
the same role or federated session — another session of the same role is someone
else. Anyone else, in the account or out of it, is told the job does not exist, so a
JobId another principal learns is worth nothing and whether it exists leaks nothing.

A group's report counts its members' calls to the services its own policies allow;
a policy's, the calls of every user and role it is attached to (directly or through a
group) to the services it allows — as AWS defines them. The tracking period is AWS's
400 days, bounded by the trail's retention (90 days unless configured otherwise).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from iamd.audit.granted import allowed_actions, allowed_services, allows_service, service_name
from iamd.audit.subjects import Actor, Subject, subject_of
from iamd.auth.caller import FEDERATED_SESSION, ROLE_SESSION, Caller
from iamd.errors import NoSuchEntity
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store.access_reports import Report, find_report, insert_report
from iamd.store.audit_events import LastAccess, last_accesses
from iamd.store.pages import DEFAULT_MAX_ITEMS, decode_marker, encode_marker

TRACKING_PERIOD = timedelta(days=400)
TRACKED_SERVICES = frozenset({"iam", "sts", "s3", "execute-api", "cloudtrail"})
SUFFIX = ".amazonaws.com"


def generate_service_last_accessed_details(ctx: OperationContext, params: Params) -> Output:
    subject = subject_of(ctx, params["Arn"])
    granularity = params.get("Granularity") or "SERVICE_LEVEL"
    content = _report(ctx, subject, granularity)
    job_id = str(uuid.uuid4())
    requester = requester_of(ctx.caller)
    report = Report(
        job_id, ctx.account_id, subject.arn, requester, granularity, ctx.now, ctx.now, content
    )
    insert_report(ctx.conn, report)
    return {"JobId": job_id}


def get_service_last_accessed_details(ctx: OperationContext, params: Params) -> Output:
    report = _job(ctx, params["JobId"])
    services = report.content["services"]
    items, marker = _page(services, params)
    output = _job_status(report)
    output["JobType"] = report.granularity
    output["ServicesLastAccessed"] = [_service_output(item) for item in items]
    return _paged(output, marker)


def get_service_last_accessed_details_with_entities(
    ctx: OperationContext, params: Params
) -> Output:
    report = _job(ctx, params["JobId"])
    entities = report.content["entities"].get(params["ServiceNamespace"], [])
    items, marker = _page(entities, params)
    output = _job_status(report)
    output["EntityDetailsList"] = [_entity_output(item) for item in items]
    return _paged(output, marker)


def list_policies_granting_service_access(ctx: OperationContext, params: Params) -> Output:
    subject = subject_of(ctx, params["Arn"], kinds=("user", "group", "role"))
    entries = []
    for namespace in params["ServiceNamespaces"]:
        granting = [p for p in subject.policies if allows_service(p.document, namespace)]
        policies = [_granting_output(policy) for policy in granting]
        entries.append({"ServiceNamespace": namespace, "Policies": policies})
    return {"PoliciesGrantingServiceAccess": entries, "IsTruncated": False}


# --- computing a report -------------------------------------------------------------------


def _report(ctx: OperationContext, subject: Subject, granularity: str) -> dict[str, Any]:
    actors = {actor.entity_id: actor for actor in subject.actors}
    since = ctx.now - TRACKING_PERIOD
    accesses = last_accesses(ctx.conn, list(actors), since=since)
    by_service: dict[str, list[LastAccess]] = {}
    for access in accesses:
        by_service.setdefault(access.event_source.removesuffix(SUFFIX), []).append(access)
    documents = subject.documents
    services = []
    entities: dict[str, list[dict[str, Any]]] = {}
    for namespace in sorted(allowed_services(documents)):
        used = by_service.get(namespace, [])
        service = _service(namespace, used, actors)
        if granularity == "ACTION_LEVEL" and namespace in TRACKED_SERVICES:
            service["TrackedActionsLastAccessed"] = _actions(documents, namespace, used, actors)
        services.append(service)
        entities[namespace] = _entities(subject.actors, used)
    return {"services": services, "entities": entities}


def _service(
    namespace: str, used: Sequence[LastAccess], actors: dict[str, Actor]
) -> dict[str, Any]:
    service: dict[str, Any] = {
        "ServiceName": service_name(namespace),
        "ServiceNamespace": namespace,
        # AWS reports 0, not nothing, for a service no one used in the tracking period.
        "TotalAuthenticatedEntities": len({access.actor_id for access in used}),
    }
    latest = _latest(used)
    if latest is not None:
        service["LastAuthenticated"] = latest.when.isoformat()
        service["LastAuthenticatedEntity"] = actors[latest.actor_id].arn
        service["LastAuthenticatedRegion"] = latest.region
    return service


def _actions(
    documents: Sequence[str],
    namespace: str,
    used: Sequence[LastAccess],
    actors: dict[str, Actor],
) -> list[dict[str, Any]]:
    tracked = []
    for action in allowed_actions(documents, namespace):
        entry: dict[str, Any] = {"ActionName": action}
        latest = _latest(a for a in used if a.event_name == action)
        if latest is not None:
            entry["LastAccessedEntity"] = actors[latest.actor_id].arn
            entry["LastAccessedTime"] = latest.when.isoformat()
            entry["LastAccessedRegion"] = latest.region
        tracked.append(entry)
    return tracked


def _entities(actors: Iterable[Actor], used: Sequence[LastAccess]) -> list[dict[str, Any]]:
    found = []
    for actor in sorted(actors, key=lambda a: (a.kind, a.name.lower())):
        info = {"Arn": actor.arn, "Name": actor.name, "Type": actor.kind, "Id": actor.entity_id}
        entry: dict[str, Any] = {"EntityInfo": {**info, "Path": actor.path}}
        latest = _latest(a for a in used if a.actor_id == actor.entity_id)
        if latest is not None:
            entry["LastAuthenticated"] = latest.when.isoformat()
        found.append(entry)
    return found


def _latest(accesses: Iterable[LastAccess]) -> LastAccess | None:
    return max(accesses, key=lambda access: access.when, default=None)


# --- answering ------------------------------------------------------------------------------


def requester_of(caller: Caller) -> str:
    """Who a report belongs to: a role or federated session, else the user or root."""
    if caller.kind in (ROLE_SESSION, FEDERATED_SESSION):
        # INVARIANT: every session has its own ASIA key id (`iamd.auth.sessions`).
        return f"session:{caller.access_key_id}"
    if caller.is_root:
        return f"root:{caller.account_id}"
    return f"user:{caller.entity_id}"


def _job(ctx: OperationContext, job_id: str) -> Report:
    requester = requester_of(ctx.caller)
    report = find_report(ctx.conn, ctx.account_id, job_id, requester=requester)
    if report is None:
        raise NoSuchEntity(f"No report found for job {job_id}.")
    return report


def _job_status(report: Report) -> Output:
    return {
        "JobStatus": "COMPLETED",
        "JobCreationDate": report.created_at,
        "JobCompletionDate": report.completed_at,
    }


def _page(items: Sequence[Any], params: Params) -> tuple[Sequence[Any], str | None]:
    start = int(decode_marker(params.get("Marker")) or 0)
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    end = start + limit
    return items[start:end], encode_marker(str(end)) if end < len(items) else None


def _paged(output: Output, marker: str | None) -> Output:
    output["IsTruncated"] = marker is not None
    if marker is not None:
        output["Marker"] = marker
    return output


def _service_output(item: dict[str, Any]) -> dict[str, Any]:
    output = dict(item)
    if "LastAuthenticated" in output:
        output["LastAuthenticated"] = datetime.fromisoformat(output["LastAuthenticated"])
    tracked = output.get("TrackedActionsLastAccessed")
    if tracked is not None:
        output["TrackedActionsLastAccessed"] = [_action_output(action) for action in tracked]
    return output


def _action_output(item: dict[str, Any]) -> dict[str, Any]:
    output = dict(item)
    if "LastAccessedTime" in output:
        output["LastAccessedTime"] = datetime.fromisoformat(output["LastAccessedTime"])
    return output


def _entity_output(item: dict[str, Any]) -> dict[str, Any]:
    output = dict(item)
    if "LastAuthenticated" in output:
        output["LastAuthenticated"] = datetime.fromisoformat(output["LastAuthenticated"])
    return output


def _granting_output(policy: Any) -> dict[str, Any]:
    if policy.is_inline:
        return {
            "PolicyName": policy.name,
            "PolicyType": "INLINE",
            "EntityType": policy.owner_type,
            "EntityName": policy.owner_name,
        }
    return {"PolicyName": policy.name, "PolicyType": "MANAGED", "PolicyArn": policy.arn}


OPERATIONS: OperationTable = {
    "GenerateServiceLastAccessedDetails": generate_service_last_accessed_details,
    "GetServiceLastAccessedDetails": get_service_last_accessed_details,
    "GetServiceLastAccessedDetailsWithEntities": get_service_last_accessed_details_with_entities,
    "ListPoliciesGrantingServiceAccess": list_policies_granting_service_access,
}
