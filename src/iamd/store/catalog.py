"""The AWS managed policy catalog: every ``arn:aws:iam::aws:policy/…`` policy, as data.

In: ``iamd/data/aws_managed_policies.json.gz`` (built by ``scripts/refresh_managed_policies.py``;
provenance in ``iamd/data/README.md``), a header ``{"source", "retrieved", "count",
"policies"}`` whose policies carry AWS's member names (``PolicyName``, ``Arn``, ``Document``…).
Out: frozen `AwsManagedPolicy` values keyed by ARN, read once on first use and shared.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

_DATA_PACKAGE = "iamd"
_CATALOG_PATH = "data/aws_managed_policies.json.gz"


@dataclass(frozen=True, slots=True)
class AwsManagedPolicy:
    """One AWS managed policy with its default version's document."""

    policy_name: str
    policy_id: str
    arn: str
    path: str
    default_version_id: str
    create_date: datetime
    update_date: datetime
    description: str | None
    document: str  # the policy JSON text, as GetPolicyVersion returns it (URL-decoded)


@dataclass(frozen=True, slots=True)
class _Catalog:
    source: str
    policies: Mapping[str, AwsManagedPolicy]


def aws_managed_policies() -> Mapping[str, AwsManagedPolicy]:
    """Every AWS managed policy, keyed by ARN (read-only)."""
    return _catalog().policies


def catalog_source() -> str:
    """Where the catalog came from, as ``package@version`` (e.g. ``moto@5.2.5``)."""
    return _catalog().source


@cache
def _catalog() -> _Catalog:
    header = _read_header()
    policies = (_policy_from_json(raw) for raw in header["policies"])
    by_arn = MappingProxyType({policy.arn: policy for policy in policies})
    return _Catalog(source=str(header["source"]), policies=by_arn)


def _read_header() -> dict[str, Any]:
    compressed = resources.files(_DATA_PACKAGE).joinpath(_CATALOG_PATH).read_bytes()
    header: dict[str, Any] = json.loads(gzip.decompress(compressed))
    return header


def _policy_from_json(raw: Mapping[str, Any]) -> AwsManagedPolicy:
    return AwsManagedPolicy(
        policy_name=raw["PolicyName"],
        policy_id=raw["PolicyId"],
        arn=raw["Arn"],
        path=raw["Path"],
        default_version_id=raw["DefaultVersionId"],
        create_date=datetime.fromisoformat(raw["CreateDate"]),
        update_date=datetime.fromisoformat(raw["UpdateDate"]),
        description=raw["Description"],
        document=raw["Document"],
    )
