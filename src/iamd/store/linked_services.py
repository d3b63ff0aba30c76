"""AWS's table of services that take a service-linked role, as data.

In: ``iamd/data/service_linked_roles.json`` (provenance in ``iamd/data/README.md``):
``{"source", "retrieved", "count", "roles": [{"AWSServiceName", "RoleName", "Policies",
"AllowsCustomSuffix", "Source"}]}``, one row per service principal. Out: frozen
`LinkedService` values keyed by service principal, read once on first use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

_TABLE_PATH = "data/service_linked_roles.json"


@dataclass(frozen=True, slots=True)
class LinkedService:
    """The role a service creates for itself, as AWS names and equips it."""

    service_name: str  # the service principal, e.g. ``ecs.amazonaws.com``
    role_name: str  # e.g. ``AWSServiceRoleForECS``
    policy_names: tuple[str, ...]  # AWS managed policies by path, ``aws-service-role/X``
    allows_custom_suffix: bool

    def named(self, custom_suffix: str | None) -> str:
        """The role's name, with ``_suffix`` when one is given."""
        return f"{self.role_name}_{custom_suffix}" if custom_suffix else self.role_name

    @property
    def path(self) -> str:
        return f"/aws-service-role/{self.service_name}/"

    def policy_arns(self, partition: str) -> list[str]:
        return [f"arn:{partition}:iam::aws:policy/{name}" for name in self.policy_names]

    def trust_policy(self) -> str:
        """The trust policy AWS gives every service-linked role: its service may assume it."""
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": self.service_name},
            "Action": "sts:AssumeRole",
        }
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def linked_services() -> Mapping[str, LinkedService]:
    """Every service that supports service-linked roles, by service principal."""
    return _table()


def find_linked_service(service_name: str) -> LinkedService | None:
    # INVARIANT: service principals are case-sensitive (API reference, AWSServiceName).
    return _table().get(service_name)


@cache
def _table() -> Mapping[str, LinkedService]:
    raw = resources.files("iamd").joinpath(_TABLE_PATH).read_text(encoding="utf-8")
    rows: list[dict[str, Any]] = json.loads(raw)["roles"]
    return MappingProxyType({row["AWSServiceName"]: _service(row) for row in rows})


def _service(row: Mapping[str, Any]) -> LinkedService:
    return LinkedService(
        service_name=row["AWSServiceName"],
        role_name=row["RoleName"],
        policy_names=tuple(row["Policies"]),
        allows_custom_suffix=bool(row["AllowsCustomSuffix"]),
    )
