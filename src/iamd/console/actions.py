"""The console acts through the API's own operations, as the signed-in principal.

A page asks for an operation by its AWS name with botocore-shaped parameters
(``act("CreateUser", {"UserName": "admin", "Tags": [...]})``). The parameters are
written as the Query form fields the AWS SDKs would send (botocore's own serializer),
read back by `iamd.protocol.parse_request` (so the console gets AWS's validation
errors, word for word) — or, for a JSON-protocol service (CloudTrail's LookupEvents),
written as botocore's JSON body and read back by `parse_json_request` — authorized
by `iamd.authz.authorize` (so a denial is AWS's AccessDenied with its reason), and
run by the same operation function the API runs.

All the calls of one page share one store transaction; each runs in a savepoint of
its own, so a call that fails leaves nothing half-done for the page to commit. Each
call is an event on the audit trail like an API call (``sessionCredentialFromConsole``
set): a write's event in its savepoint, so it commits with the write; anything else
batched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from botocore.serialize import create_serializer
from sqlalchemy import Connection

from iamd import ids
from iamd.audit.api_calls import ApiCall
from iamd.auth.caller import Caller
from iamd.authz.authorize import authorize
from iamd.authz.journal import Journal
from iamd.errors import NotImplementedOperation, ServiceError
from iamd.operation import OperationContext, Output, RequestMeta, is_read_only
from iamd.protocol import ParsedRequest, parse_request, service_model
from iamd.protocol.json_protocol import parse_json_request
from iamd.protocol.models import is_json
from iamd.server.pipeline import OPERATIONS, Server

REGION = "us-east-1"
_SERIALIZER = create_serializer("query", include_validation=False)
_JSON_SERIALIZER = create_serializer("json", include_validation=False)


def form_fields(service: str, operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The Query form an AWS SDK would send for this call."""
    model = service_model(service).operation_model(operation)
    body = _SERIALIZER.serialize_to_request(dict(params), model)["body"]
    return [(str(name), str(value)) for name, value in body.items()]


def parsed_call(service: str, operation: str, params: Mapping[str, Any]) -> ParsedRequest:
    """The call as the API would read it from an AWS SDK: validated against the model."""
    model = service_model(service)
    if not is_json(service):
        return parse_request(model, form_fields(service, operation, params))
    request = _JSON_SERIALIZER.serialize_to_request(dict(params), model.operation_model(operation))
    body = request["body"]
    target = f"{model.metadata['targetPrefix']}.{operation}"
    return parse_json_request(model, target, body if isinstance(body, bytes) else body.encode())


def check_input(operation: str, params: Mapping[str, Any], *, service: str = "iam") -> None:
    """Raise AWS's ValidationError for input the operation would refuse, without running it."""
    parsed_call(service, operation, params)


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
        seen = self._audited(service, operation)
        try:
            return self._run(seen, service, operation, params or {})
        except ServiceError as error:
            seen.error = error
            raise
        finally:  # the page's transaction is still open: the trail's thread writes
            self.server.trail.finish(seen, may_write=False)

    def _run(
        self, seen: ApiCall, service: str, operation: str, params: Mapping[str, Any]
    ) -> Output:
        parsed = parsed_call(service, operation, params)
        seen.operation, seen.params = parsed.operation, parsed.params
        function = OPERATIONS[service].get(operation)
        if function is None:
            raise NotImplementedOperation(f"iamd does not implement {service}:{operation} yet.")
        ctx = self._context(seen)
        writes = bool(self.conn.get_execution_options().get("iamd_write", True))
        with self.conn.begin_nested():
            authorize(ctx, service, operation, parsed.params)
            output = seen.output = function(ctx, parsed.params)
            if writes and not is_read_only(operation):
                self.server.trail.record_in(self.conn, seen)
                seen.is_recorded = True
        return output

    def may(
        self, operation: str, params: Mapping[str, Any] | None = None, *, service: str = "iam"
    ) -> bool:
        """Whether the call would be authorized (as the API would decide); nothing runs.

        For offering only what the caller may do: a page hides or disables a choice
        whose call would be denied. The call itself is still authorized when made. A
        question is not a call: nothing of it goes on the audit trail.
        """
        try:
            parsed = parsed_call(service, operation, params or {})
            with self.conn.begin_nested():
                authorize(self._context(None), service, operation, parsed.params)
        except ServiceError:
            return False
        return True

    def _context(self, seen: ApiCall | None) -> OperationContext:
        return OperationContext(
            conn=self.conn,
            caller=self.caller,
            now=seen.received_at if seen else self.server.clock.now(),
            sealer=self.server.sealer,
            region=REGION,
            request_id=seen.request_id if seen else ids.request_id(),
            meta=self.meta,
            journal=seen.journal if seen else Journal(),
        )

    def _audited(self, service: str, operation: str) -> ApiCall:
        return ApiCall(
            service=service,
            action=operation,
            request_id=ids.request_id(),
            received_at=self.server.clock.now(),
            region=REGION,
            meta=self.meta,
            access_key_id=self.caller.access_key_id,
            caller=self.caller,
            from_console=True,
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
