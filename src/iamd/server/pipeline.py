"""One request, end to end: bytes in → parse → authenticate → authorize → operate → XML out.

Plain function calls over plain data (DESIGN.md, "One request, end to end"). Every
`ServiceError` raised on the way is turned into AWS's error envelope here, once;
anything else is a bug, logged without secrets and answered as InternalFailure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iamd import ids
from iamd.arn import partition_for_region
from iamd.auth.authenticate import authenticate, record_key_use
from iamd.auth.caller import anonymous_caller
from iamd.auth.sigv4 import HttpRequest, SignedRequest, read_signature
from iamd.authz.authorize import authorize
from iamd.clock import Clock
from iamd.errors import (
    InternalFailure,
    MissingAuthenticationToken,
    NotImplementedOperation,
    RequestEntityTooLarge,
    ServiceError,
)
from iamd.iam.registry import IAM_OPERATIONS
from iamd.operation import Operation, OperationContext, Preparation, RequestMeta, is_read_only
from iamd.protocol import (
    ParsedRequest,
    decode_form,
    parse_request,
    serialize_error,
    serialize_result,
)
from iamd.protocol.models import service_model
from iamd.store import access_keys
from iamd.store.database import Database
from iamd.store.sealing import Sealer
from iamd.sts.registry import STS_OPERATIONS, STS_PREPARATIONS

log = logging.getLogger("iamd.request")

# Big enough for the largest modelled input (a SAML metadata document of up to ten
# million characters), small enough that one request cannot exhaust memory.
MAX_BODY_BYTES = 12 * 1024 * 1024

# STS actions AWS accepts without a signature: the token in the request is the proof.
UNSIGNED_STS_ACTIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
# The region an unsigned request is taken to be for (it names none).
UNSIGNED_REGION = "us-east-1"
# Operations named like reads that write: GetSessionToken spends an MFA code.
WRITING_READS = frozenset({"GetSessionToken"})

OPERATIONS: Mapping[str, Mapping[str, Operation]] = {
    "iam": IAM_OPERATIONS,
    "sts": STS_OPERATIONS,
}

# Work done before an operation's transaction opens, so that no network call ever runs
# inside one (AssumeRoleWithWebIdentity fetches the issuer's keys); its result reaches
# the operation as `OperationContext.prepared`.
PREPARATIONS: Mapping[str, Mapping[str, Preparation]] = {"sts": STS_PREPARATIONS}

XML_CONTENT_TYPE = "text/xml"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    request_id: str
    content_type: str = XML_CONTENT_TYPE


@dataclass(frozen=True)
class Server:
    """What every request shares: the store, the master key and the clock."""

    db: Database
    sealer: Sealer
    clock: Clock


@dataclass(frozen=True)
class Incoming:
    """A request as read before anyone is trusted: its signature claim and raw form.

    Nothing here is validated beyond what authentication itself needs; the action is
    the raw ``Action`` field, used only to choose a thread and a transaction kind.
    """

    request: HttpRequest
    signed: SignedRequest | None
    form: list[tuple[str, str]]
    service: str
    action: str
    request_id: str


def receive(request: HttpRequest, request_id: str) -> Incoming:
    """Read what authentication needs; raise AWS's error for a request that has none."""
    if len(request.body) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge("Request body exceeds the maximum allowed size.")
    signed = read_signature(request)
    form = _form_of(request)
    action = next((value for key, value in form if key == "Action"), "")
    return Incoming(request, signed, form, _service_of(signed, action), action, request_id)


def handle(server: Server, request: HttpRequest, meta: RequestMeta | None = None) -> Response:
    """Answer one request (reading, authenticating, authorizing, operating)."""
    request_id = ids.request_id()
    try:
        incoming = receive(request, request_id)
    except ServiceError as error:
        return error_response(error, request_id, claimed_service(request))
    return answer(server, incoming, meta or RequestMeta())


def answer(server: Server, incoming: Incoming, meta: RequestMeta) -> Response:
    request_id = incoming.request_id
    try:
        body = _run(server, incoming, meta)
        return Response(200, body, request_id)
    except ServiceError as error:
        return error_response(error, request_id, incoming.service)
    except Exception:
        log.exception("request %s failed", request_id)
        failure = InternalFailure("An internal error occurred.")
        return error_response(failure, request_id, incoming.service)


def error_response(error: ServiceError, request_id: str, service: str) -> Response:
    status, body = serialize_error(error, request_id, service=service)
    return Response(status, body, request_id)


def claimed_service(request: HttpRequest) -> str:
    """The service a request that failed before authentication names, for its error shape."""
    claim = request.headers.get("authorization", "") + request.query_string
    return "sts" if "/sts/" in claim or "%2Fsts%2F" in claim else "iam"


def _service_of(signed: SignedRequest | None, action: str) -> str:
    """IAM or STS: by the credential scope; unsigned, only STS's federation actions."""
    if signed is not None:
        return signed.service
    if action in UNSIGNED_STS_ACTIONS:
        return "sts"
    raise MissingAuthenticationToken("Request is missing Authentication Token")


@dataclass(frozen=True)
class Call:
    """One parsed call: which operation, its input, and where it came from."""

    service: str
    name: str
    operation: Operation
    params: Mapping[str, Any]
    meta: RequestMeta
    request_id: str


def _run(server: Server, incoming: Incoming, meta: RequestMeta) -> bytes:
    """Authenticate, then parse and validate, then authorize, then operate: AWS's order.

    An unauthenticated client learns nothing about which operations exist or what
    their parameters must be: every error it can see is an authentication error.
    """
    now = server.clock.now()
    signed = incoming.signed
    if signed is None:  # the unsigned STS federation actions authenticate themselves
        return _run_unsigned(server, incoming, meta, now)
    prepared = _authenticated_preparation(server, incoming, meta, now)
    key: access_keys.AccessKey | None = None
    write = not is_read_only(incoming.action) or incoming.action in WRITING_READS
    try:
        with server.db.transaction(write=write) as conn:
            authenticated = authenticate(conn, server.sealer, incoming.request, signed, now)
            key = authenticated.key
            parsed, call = _parse(incoming, meta)
            ctx = OperationContext(
                conn=conn,
                caller=authenticated.caller,
                now=now,
                sealer=server.sealer,
                region=signed.region,
                request_id=call.request_id,
                meta=call.meta,
                prepared=prepared,
            )
            authorize(ctx, call.service, call.name, call.params)
            output = call.operation(ctx, call.params)
    finally:
        # A key that signed a request was used, whether or not the call succeeded.
        record_key_use(server.db, key, now, incoming.service, signed.region)
    return serialize_result(parsed.operation, output, call.request_id)


def _parse(incoming: Incoming, meta: RequestMeta) -> tuple[ParsedRequest, Call]:
    """The operation and its validated input (InvalidAction, ValidationError, …)."""
    service = incoming.service
    parsed = parse_request(service_model(service), incoming.form)
    name = parsed.operation.name
    operation = OPERATIONS[service].get(name)
    if operation is None:
        raise NotImplementedOperation(f"iamd does not implement {service}:{name} yet.")
    return parsed, Call(service, name, operation, parsed.params, meta, incoming.request_id)


def _prepare(server: Server, call: Call) -> object:
    """Run the operation's preparation, if it has one, outside any transaction.

    A preparation may wait on the network (an OIDC issuer's keys); no transaction, and
    so no SQLite write lock, is held while it does.
    """
    prepare = PREPARATIONS.get(call.service, {}).get(call.name)
    return prepare(server.db, call.params) if prepare is not None else None


def _authenticated_preparation(
    server: Server, incoming: Incoming, meta: RequestMeta, now: datetime
) -> object:
    """A signed call's preparation, run only once its signature has been verified."""
    signed = incoming.signed
    if signed is None or incoming.action not in PREPARATIONS.get(incoming.service, {}):
        return None
    with server.db.transaction() as conn:
        authenticate(conn, server.sealer, incoming.request, signed, now)
    return _prepare(server, _parse(incoming, meta)[1])


def _run_unsigned(server: Server, incoming: Incoming, meta: RequestMeta, now: datetime) -> bytes:
    """AssumeRoleWithWebIdentity/SAML: an anonymous caller, the token decides."""
    parsed, call = _parse(incoming, meta)
    prepared = _prepare(server, call)
    with server.db.transaction() as conn:
        ctx = OperationContext(
            conn=conn,
            caller=anonymous_caller(partition=partition_for_region(UNSIGNED_REGION)),
            now=now,
            sealer=server.sealer,
            region=UNSIGNED_REGION,
            request_id=call.request_id,
            meta=call.meta,
            prepared=prepared,
        )
        authorize(ctx, call.service, call.name, call.params)
        output = call.operation(ctx, call.params)
    return serialize_result(parsed.operation, output, call.request_id)


def _form_of(request: HttpRequest) -> list[tuple[str, str]]:
    """The Query parameters: the form body of a POST, the query string of a GET."""
    raw = request.body if request.method == "POST" else request.query_string.encode()
    pairs = decode_form(raw)
    if request.method == "POST" and request.query_string:
        pairs = decode_form(request.query_string.encode()) + pairs
    # A presigned URL's own X-Amz-* parameters are the signature, not operation input.
    return [(key, value) for key, value in pairs if not key.startswith("X-Amz-")]
