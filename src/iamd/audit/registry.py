"""The operations `iamd.audit` serves, by service: CloudTrail's, and IAM's that read the trail."""

from __future__ import annotations

from collections.abc import Mapping

from iamd.audit import advisor, lookup
from iamd.operation import Operation

AUDIT_OPERATIONS: Mapping[str, Mapping[str, Operation]] = {
    "cloudtrail": dict(lookup.OPERATIONS),
    "iam": dict(advisor.OPERATIONS),
}
