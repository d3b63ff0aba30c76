"""Every version of the AWS managed policies, beside the catalog of their defaults.

In: ``iamd/data/aws_managed_policy_versions.json.gz`` (built with the catalog by
``scripts/refresh_managed_policies.py``; provenance in ``iamd/data/README.md``):
``{"source", "retrieved", "versions": {arn: [[VersionId, CreateDate, Document], ...]}}``,
each policy's versions other than its default, newest first. Out: `aws_policy_versions`,
a policy's versions newest (the default) first, as ListPolicyVersions, GetPolicyVersion
and GetAccountAuthorizationDetails answer them. Read on first use: most requests never
need the history.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from iamd.store.catalog import AwsManagedPolicy

_VERSIONS_PATH = "data/aws_managed_policy_versions.json.gz"


@dataclass(frozen=True, slots=True)
class AwsPolicyVersion:
    version_id: str
    create_date: datetime
    document: str  # the policy JSON text, as GetPolicyVersion returns it


def aws_policy_versions(policy: AwsManagedPolicy) -> tuple[AwsPolicyVersion, ...]:
    """The policy's versions, its default first and then older ones, newest first."""
    default = AwsPolicyVersion(policy.default_version_id, policy.update_date, policy.document)
    return (default, *_history().get(policy.arn, ()))


@cache
def _history() -> Mapping[str, tuple[AwsPolicyVersion, ...]]:
    compressed = resources.files("iamd").joinpath(_VERSIONS_PATH).read_bytes()
    raw: dict[str, Any] = json.loads(gzip.decompress(compressed))
    return {arn: tuple(_version(item) for item in items) for arn, items in raw["versions"].items()}


def _version(item: list[str]) -> AwsPolicyVersion:
    version_id, created, document = item
    return AwsPolicyVersion(version_id, datetime.fromisoformat(created), document)
