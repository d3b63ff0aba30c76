"""IAM account: operations of this resource family (being built)."""

from __future__ import annotations

from iamd.operation import OperationTable

OPERATIONS: OperationTable = {}
