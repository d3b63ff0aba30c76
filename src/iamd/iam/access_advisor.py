"""Access advisor: GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails,
GetServiceLastAccessedDetailsWithEntities and ListPoliciesGrantingServiceAccess.

A report lists the services an entity's permissions policies could grant
(`service_access`), each with when it was last used. iamd keeps no record of which
service each principal last called (that comes with the audit trail), so every
service is listed as AWS lists one never tried: with no ``LastAuthenticated`` and
``TotalAuthenticatedEntities`` 0. A job completes at once; its report is made from
the entity's policies when read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar

from iamd.arn import parse_arn
from iamd.errors import InvalidInput, NoSuchEntity
from iamd.iam.service_access import granted_services, service_name
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import access_advisor_jobs, groups, policies, roles, users
from iamd.store import attachments as store
from iamd.store.access_advisor_jobs import AccessAdvisorJob
from iamd.store.pages import DEFAULT_MAX_ITEMS, decode_marker, encode_marker

ENTITY_TYPES = {"user": "USER", "group": "GROUP", "role": "ROLE"}
T = TypeVar("T")


@dataclass(frozen=True)
class Advised:
    """The user, group, role or managed policy a report is about."""

    kind: str
    arn: str
    name: str
    entity_id: str
    path: str


def resolve_entity(ctx: OperationContext, arn_text: str) -> Advised:
    """The entity an ARN names in the caller's account (or an AWS managed policy)."""
    arn = parse_arn(arn_text)
    kind, _, rest = (arn.resource if arn else "").partition("/")
    if arn is None or arn.service != "iam" or kind not in (*ENTITY_TYPES, "policy") or not rest:
        raise InvalidInput(f"ARN {arn_text} is not valid.")
    if kind == "policy":
        policy = policies.resolve_policy(
            ctx.conn, ctx.account_id, arn_text, partition=ctx.partition
        )
        return Advised(kind, policy.arn, policy.name, policy.policy_id, policy.path)
    if arn.account != ctx.account_id:
        raise NoSuchEntity(f"The {kind} with ARN {arn_text} cannot be found.")
    name = rest.rsplit("/", 1)[-1]
    if kind == "user":
        user = users.get_user(ctx.conn, ctx.account_id, name)
        return Advised(kind, arn_text, user.name, user.user_id, user.path)
    if kind == "group":
        group = groups.get_group(ctx.conn, ctx.account_id, name)
        return Advised(kind, arn_text, group.name, group.group_id, group.path)
    role = roles.get_role(ctx.conn, ctx.account_id, name)
    return Advised(kind, arn_text, role.name, role.role_id, role.path)


def documents_of(ctx: OperationContext, entity: Advised) -> list[tuple[str, str, str]]:
    """(inline name or policy ARN, "inline" or "managed", document) that the entity holds."""
    if entity.kind == "policy":
        document = policies.default_document(ctx.conn, entity.arn)
        return [(entity.arn, "managed", document)] if document else []
    if entity.kind == "user":
        return store.identity_policy_documents(ctx.conn, ctx.account_id, "user", entity.entity_id)
    return store.own_policy_documents(ctx.conn, entity.kind, entity.entity_id)


def entity_services(ctx: OperationContext, entity: Advised) -> list[str]:
    granted: set[str] = set()
    for _, _, document in documents_of(ctx, entity):
        granted |= granted_services(document)
    return sorted(granted)


def generate_service_last_accessed_details(ctx: OperationContext, params: Params) -> Output:
    entity = resolve_entity(ctx, params["Arn"])
    job = AccessAdvisorJob(
        job_id=str(uuid.uuid4()),
        account_id=ctx.account_id,
        entity_arn=entity.arn,
        granularity=params.get("Granularity") or "SERVICE_LEVEL",
        created_at=ctx.now,
    )
    access_advisor_jobs.insert_job(ctx.conn, job)
    return {"JobId": job.job_id}


def find_job(ctx: OperationContext, job_id: str) -> AccessAdvisorJob:
    job = access_advisor_jobs.find_job(ctx.conn, ctx.account_id, job_id)
    if job is None:
        raise NoSuchEntity(f"No job found with JobId {job_id}.")
    return job


def get_service_last_accessed_details(ctx: OperationContext, params: Params) -> Output:
    job = find_job(ctx, params["JobId"])
    namespaces = entity_services(ctx, resolve_entity(ctx, job.entity_arn))
    shown, output = _page(namespaces, params)
    output["ServicesLastAccessed"] = [
        {"ServiceName": service_name(ns), "ServiceNamespace": ns, "TotalAuthenticatedEntities": 0}
        for ns in shown
    ]
    return {**_job_output(job), "JobType": job.granularity, **output}


def get_service_last_accessed_details_with_entities(
    ctx: OperationContext, params: Params
) -> Output:
    job = find_job(ctx, params["JobId"])
    entity = resolve_entity(ctx, job.entity_arn)
    granted = entity_services(ctx, entity)
    found = _entities(ctx, entity) if params["ServiceNamespace"] in granted else []
    shown, output = _page(found, params)
    output["EntityDetailsList"] = [{"EntityInfo": _entity_info(item)} for item in shown]
    return {**_job_output(job), **output}


def _entities(ctx: OperationContext, entity: Advised) -> list[Advised]:
    """Who could have used the entity's permissions: itself, a group's members, a
    policy's users and roles (directly or through a group)."""
    if entity.kind in ("user", "role"):
        return [entity]
    if entity.kind == "group":
        return _members(ctx, entity.entity_id)
    page = store.entities_for_policy(
        ctx.conn,
        ctx.account_id,
        entity.arn,
        kinds=store.ENTITY_KINDS,
        usages={store.PERMISSIONS},
        path_prefix="/",
        marker=None,
        limit=10_000,
    )
    found: dict[str, Advised] = {}
    for item in page.items:
        if item.kind == "group":
            found.update((member.arn, member) for member in _members(ctx, item.entity_id))
        else:
            advised = _by_id(ctx, item.kind, item.entity_id)
            if advised is not None:
                found[advised.arn] = advised
    return sorted(found.values(), key=lambda advised: (advised.kind, advised.name.lower()))


def _members(ctx: OperationContext, group_id: str) -> list[Advised]:
    page = groups.members_page(ctx.conn, group_id, marker=None, limit=10_000)
    return [_advised(ctx, "user", user.name, user.user_id, user.path) for user in page.items]


def _by_id(ctx: OperationContext, kind: str, entity_id: str) -> Advised | None:
    if kind == "user":
        user = users.get_user_by_id(ctx.conn, entity_id)
        return _advised(ctx, kind, user.name, user.user_id, user.path) if user else None
    role = roles.get_role_by_id(ctx.conn, entity_id)
    return _advised(ctx, kind, role.name, role.role_id, role.path) if role else None


def _advised(ctx: OperationContext, kind: str, name: str, entity_id: str, path: str) -> Advised:
    arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:{kind}{path}{name}"
    return Advised(kind, arn, name, entity_id, path)


def _entity_info(entity: Advised) -> Output:
    return {
        "Arn": entity.arn,
        "Name": entity.name,
        "Type": ENTITY_TYPES[entity.kind],
        "Id": entity.entity_id,
        "Path": entity.path,
    }


def _job_output(job: AccessAdvisorJob) -> Output:
    return {
        "JobStatus": "COMPLETED",
        "JobCreationDate": job.created_at,
        "JobCompletionDate": job.created_at,
    }


def _page(items: list[T], params: Params) -> tuple[list[T], Output]:
    """One page of a report's items, by position; IsTruncated and Marker as AWS's."""
    start = int(decode_marker(params.get("Marker")) or 0)
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    shown = items[start : start + limit]
    output: Output = {"IsTruncated": start + limit < len(items)}
    if output["IsTruncated"]:
        output["Marker"] = encode_marker(str(start + limit))
    return shown, output


def list_policies_granting_service_access(ctx: OperationContext, params: Params) -> Output:
    entity = resolve_entity(ctx, params["Arn"])
    if entity.kind == "policy":
        raise InvalidInput("ListPoliciesGrantingServiceAccess takes a user, group or role ARN.")
    held = _held_policies(ctx, entity)
    answer = []
    for namespace in params["ServiceNamespaces"]:
        granting = [policy for policy, document in held if namespace in granted_services(document)]
        answer.append({"ServiceNamespace": namespace, "Policies": granting})
    return {"PoliciesGrantingServiceAccess": answer, "IsTruncated": False}


def _held_policies(ctx: OperationContext, entity: Advised) -> list[tuple[Output, str]]:
    """Each policy the entity can use, as AWS describes it, with its document."""
    owners = [(entity.kind, entity.entity_id, entity.name)]
    if entity.kind == "user":
        owners += [
            ("group", group.group_id, group.name)
            for group in groups.groups_of_user(ctx.conn, entity.entity_id)
        ]
    held: list[tuple[Output, str]] = []
    for kind, owner_id, owner_name in owners:
        for name, policy_type, document in store.own_policy_documents(ctx.conn, kind, owner_id):
            if policy_type == "managed":
                description: Output = {
                    "PolicyName": name.rsplit("/", 1)[-1],
                    "PolicyType": "MANAGED",
                    "PolicyArn": name,
                }
            else:
                description = {
                    "PolicyName": name,
                    "PolicyType": "INLINE",
                    "EntityType": ENTITY_TYPES[kind],
                    "EntityName": owner_name,
                }
            held.append((description, document))
    return held


OPERATIONS: OperationTable = {
    "GenerateServiceLastAccessedDetails": generate_service_last_accessed_details,
    "GetServiceLastAccessedDetails": get_service_last_accessed_details,
    "GetServiceLastAccessedDetailsWithEntities": get_service_last_accessed_details_with_entities,
    "ListPoliciesGrantingServiceAccess": list_policies_granting_service_access,
}
