"""The "Last accessed" tab (AWS's access advisor) for a user, group, role or policy.

In: an entity's ARN and an `Actor`. The report is the API's own: a
GenerateServiceLastAccessedDetails job (complete as soon as it exists in iamd), read
with GetServiceLastAccessedDetails; for a user, group or role, the policies granting
each service from ListPoliciesGrantingServiceAccess (left out where the caller may
not ask). Out: `ServiceAccess` rows, the services used most recently first, then the
ones not used in the tracking period, by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iamd.console.actions import Actor, attempt
from iamd.console.listing import all_items

NAMESPACES_PER_CALL = 200  # ListPoliciesGrantingServiceAccess's ServiceNamespaces max


@dataclass(frozen=True)
class ServiceAccess:
    service_name: str
    namespace: str
    last_accessed: datetime | None
    last_entity: str  # the user or role whose call it was ("" when none)
    policies: list[str] | None  # the granting policies' names; None when not asked


def last_accessed(act: Actor, arn: str, *, with_policies: bool) -> list[ServiceAccess]:
    job_id = act("GenerateServiceLastAccessedDetails", {"Arn": arn})["JobId"]
    services = all_items(
        act, "GetServiceLastAccessedDetails", "ServicesLastAccessed", {"JobId": job_id}
    )
    namespaces = [service["ServiceNamespace"] for service in services]
    granting = _granting(act, arn, namespaces) if with_policies and namespaces else None
    rows = [_row(service, granting) for service in services]
    return sorted(rows, key=_order)


def _row(service: dict[str, Any], granting: dict[str, list[str]] | None) -> ServiceAccess:
    namespace = service["ServiceNamespace"]
    return ServiceAccess(
        service_name=service["ServiceName"],
        namespace=namespace,
        last_accessed=service.get("LastAuthenticated"),
        last_entity=service.get("LastAuthenticatedEntity", ""),
        policies=granting.get(namespace, []) if granting is not None else None,
    )


def _order(row: ServiceAccess) -> tuple[bool, float, str]:
    when = row.last_accessed.timestamp() if row.last_accessed else 0.0
    return (row.last_accessed is None, -when, row.service_name.lower())


def _granting(act: Actor, arn: str, namespaces: Sequence[str]) -> dict[str, list[str]] | None:
    """Each namespace's granting policies by name; None when the caller may not ask."""
    granting: dict[str, list[str]] = {}
    for start in range(0, len(namespaces), NAMESPACES_PER_CALL):
        chunk = list(namespaces[start : start + NAMESPACES_PER_CALL])
        params = {"Arn": arn, "ServiceNamespaces": chunk}
        answer = attempt(act, "ListPoliciesGrantingServiceAccess", params)
        if answer.value is None:
            return None
        for entry in answer.value["PoliciesGrantingServiceAccess"]:
            names = [policy["PolicyName"] for policy in entry["Policies"]]
            granting[entry["ServiceNamespace"]] = names
    return granting
