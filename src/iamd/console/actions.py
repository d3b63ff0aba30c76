"""The console acts through the API's own operations, as the signed-in principal.

A page asks for an operation by its AWS name with botocore-shaped parameters
(``act("CreateUser", {"UserName": "admin", "Tags": [...]})``). The parameters are
written as the Query form fields the AWS SDKs would send (botocore's own serializer),
read back by `iamd.protocol.parse_request` (so the console gets AWS's validation
errors, word for word), authorized by `iamd.authz.authorize` (so a denial is AWS's
AccessDenied with its reason), and run by the same operation function the API runs.

All the calls of one page share one store transaction; each runs in a savepoint of
its own, so a call that fails leaves nothing half-done for the page to commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from botocore.serialize import create_serializer
from sqlalchemy import Connection

from iamd import ids
from iamd.auth.caller import Caller
from iamd.authz.authorize import authorize
from iamd.errors import NotImplementedOperation, ServiceError
from iamd.operation import OperationContext, Output, RequestMeta
from iamd.protocol import parse_request, service_model
from iamd.server.pipeline import OPERATIONS, Server

REGION = "us-east-1"
_SERIALIZER = create_serializer("query", include_validation=False)


def form_fields(service: str, operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The Query form an AWS SDK would send for this call."""
    model = service_model(service).operation_model(operation)
    body = _SERIALIZER.serialize_to_request(dict(params), model)["body"]
    return [(str(name), str(value)) for name, value in body.items()]


def check_input(operation: str, params: Mapping[str, Any], *, service: str = "iam") -> None:
    """Raise AWS's ValidationError for input the operation would refuse, without running it."""
    parse_request(service_model(service), form_fields(service, operation, params))


def is_implemented(service: str, operation: str) -> bool:
    return operation in OPERATIONS[service]


@dataclass(frozen=True)
class Actor:
    """Runs operations as one caller inside one open transaction."""

    conn: Connection
    caller: Caller
    server: Server
    meta: RequestMeta

    def __call__(
        self, operation: str, params: Mapping[str, Any] | None = None, *, service: str = "iam"
    ) -> Output:
        fields = form_fields(service, operation, params or {})
        parsed = parse_request(service_model(service), fields)
        function = OPERATIONS[service].get(operation)
        if function is None:
            raise NotImplementedOperation(f"iamd does not implement {service}:{operation} yet.")
        ctx = self._context()
        with self.conn.begin_nested():
            authorize(ctx, service, operation, parsed.params)
            return function(ctx, parsed.params)

    def may(
        self, operation: str, params: Mapping[str, Any] | None = None, *, service: str = "iam"
    ) -> bool:
        """Whether the call would be authorized (as the API would decide); nothing runs.

        For offering only what the caller may do: a page hides or disables a choice
        whose call would be denied. The call itself is still authorized when made.
        """
        try:
            parsed = parse_request(
                service_model(service), form_fields(service, operation, params or {})
            )
            with self.conn.begin_nested():
                authorize(self._context(), service, operation, parsed.params)
        except ServiceError:
            return False
        return True

    def _context(self) -> OperationContext:
        return OperationContext(
            conn=self.conn,
            caller=self.caller,
            now=self.server.clock.now(),
            sealer=self.server.sealer,
            region=REGION,
            request_id=ids.request_id(),
            meta=self.meta,
        )


@contextmanager
def acting(server: Server, caller: Caller, meta: RequestMeta, *, write: bool) -> Iterator[Actor]:
    """An `Actor` for ``caller`` in a new transaction (committed when the block ends)."""
    with server.db.transaction(write=write) as conn:
        yield Actor(conn, caller, server, meta)


T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What a call gave, or the AWS error it gave instead (to show in its place)."""

    value: T | None = None
    error: ServiceError | None = None


def attempt(
    act: Actor, operation: str, params: Mapping[str, Any] | None = None, *, service: str = "iam"
) -> Attempt[Output]:
    try:
        return Attempt(value=act(operation, params, service=service))
    except ServiceError as error:
        return Attempt(error=error)
