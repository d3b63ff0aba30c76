"""Every STS operation iamd implements, by its AWS name."""

from __future__ import annotations

from iamd.operation import Operation
from iamd.sts import caller_identity

STS_OPERATIONS: dict[str, Operation] = {
    **caller_identity.OPERATIONS,
}
