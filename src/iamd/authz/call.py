"""What authorization reads of a call in progress: a structural view of its context.

`iamd.operation.OperationContext` satisfies it; authz depends on this shape, not on
the operation layer above it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection

from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.authz.journal import Journal


class CallContext(Protocol):
    @property
    def conn(self) -> Connection: ...
    @property
    def caller(self) -> Caller: ...
    @property
    def now(self) -> datetime: ...
    @property
    def region(self) -> str: ...
    @property
    def meta(self) -> RequestMeta: ...
    @property
    def account_id(self) -> str: ...
    @property
    def journal(self) -> Journal: ...
