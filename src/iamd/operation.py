"""What every operation receives: the validated input and this context.

An operation is a plain function ``(OperationContext, params) -> output`` where
``params`` is keyed by the input shape's member names and the output dict by the
output shape's. Each resource-family module lists its functions in ``OPERATIONS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.authz.journal import Journal
from iamd.store.database import Database
from iamd.store.pages import Page
from iamd.store.sealing import Sealer

__all__ = ["Operation", "OperationContext", "OperationTable", "Output", "Params", "RequestMeta"]

Params = Mapping[str, Any]
Output = dict[str, Any]


@dataclass(frozen=True)
class OperationContext:
    conn: Connection
    caller: Caller
    now: datetime
    sealer: Sealer
    region: str
    request_id: str
    meta: RequestMeta = field(default_factory=RequestMeta)
    # What the operation's `Preparation` produced before the transaction opened, if any.
    prepared: object = None
    # What authorization decided, and why: read by the audit trail, never by a decision.
    journal: Journal = field(default_factory=Journal, compare=False)

    @property
    def account_id(self) -> str:
        return self.caller.account_id

    @property
    def partition(self) -> str:
        return self.caller.partition


Operation = Callable[[OperationContext, Params], Output]
OperationTable = Mapping[str, Operation]
# Work an operation needs done before its transaction opens (a network fetch must never
# hold one): given the database and the params, its result becomes ``ctx.prepared``.
Preparation = Callable[[Database, Params], object]

# Operations that only read: on SQLite they run without taking the write lock.
READ_PREFIXES = ("Get", "List", "Simulate", "Generate", "Decode", "Lookup")


# Named like reads, but they store what they generate.
WRITING_GENERATORS = frozenset({"GenerateCredentialReport", "GenerateServiceLastAccessedDetails"})


def is_read_only(operation_name: str) -> bool:
    return operation_name.startswith(READ_PREFIXES) and operation_name not in WRITING_GENERATORS


def list_output(member: str, items: Sequence[Any], page: Page[Any]) -> Output:
    """A list answer: the items under ``member``, ``IsTruncated`` and the next ``Marker``."""
    output: Output = {member: list(items), "IsTruncated": page.is_truncated}
    if page.next_marker:
        output["Marker"] = page.next_marker
    return output
