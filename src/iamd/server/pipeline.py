"""One request, end to end: bytes in → parse → authenticate → authorize → operate → XML out.

Plain function calls over plain data (DESIGN.md, "One request, end to end"). Every
`ServiceError` raised on the way is turned into AWS's error envelope here, once;
anything else is a bug, logged without secrets and answered as InternalFailure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iamd import ids
from iamd.arn import partition_for_region
from iamd.audit.api_calls import ApiCall
from iamd.audit.registry import AUDIT_OPERATIONS
from iamd.audit.trail import Trail, disabled_trail
from iamd.auth.authenticate import Authenticated, authenticate, record_use
from iamd.auth.caller import anonymous_caller
from iamd.auth.sigv4 import HttpRequest, SignedRequest, read_signature
from iamd.auth.sigv4_parse import claimed_key_id
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
from iamd.protocol.json_protocol import (
    CONTENT_TYPE as JSON_CONTENT_TYPE,
)
from iamd.protocol.json_protocol import (
    parse_json_request,
    serialize_json_error,
    serialize_json_result,
)
from iamd.protocol.models import is_json, service_model
from iamd.store.database import Database
from iamd.store.sealing import Sealer
from iamd.store.versioned import read_once
from iamd.sts.registry import STS_OPERATIONS, STS_PREPARATIONS

log = logging.getLogger("iamd.request")

# Big enough for the largest modelled input (a SAML metadata document of up to ten
# million characters), small enough that one request cannot exhaust memory.
MAX_BODY_BYTES = 12 * 1024 * 1024

# STS actions AWS accepts without a signature: the token in the request is the proof.
UNSIGNED_STS_ACTIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
# The region an unsigned request is taken to be for (it names none).
UNSIGNED_REGION = "us-east-1"
# Operations named like reads that write: GetSessionToken spends an MFA code, and
# GetWebIdentityToken makes the signing key on first use. (On SQLite a reading
# transaction refuses writes, so a missing name here fails its tests, not a race.)
WRITING_READS = frozenset({"GetSessionToken", "GetWebIdentityToken"})


def writes(action: str) -> bool:
    """Whether the action's transaction writes (else it reads, and takes no write lock)."""
    return not is_read_only(action) or action in WRITING_READS


OPERATIONS: Mapping[str, Mapping[str, Operation]] = {
    "iam": {**IAM_OPERATIONS, **AUDIT_OPERATIONS["iam"]},
    "sts": STS_OPERATIONS,
    "cloudtrail": AUDIT_OPERATIONS["cloudtrail"],
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
    """What every request shares: the store, the master key, the clock and the audit trail."""

    db: Database
    sealer: Sealer
    clock: Clock
    trail: Trail = field(default_factory=disabled_trail)


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
    if signed is not None and is_json(signed.service):  # CloudTrail: JSON, X-Amz-Target
        target = request.headers.get("x-amz-target", "")
        action = target.rpartition(".")[2]
        return Incoming(request, signed, [], signed.service, action, request_id)
    form = _form_of(request)
    action = next((value for key, value in form if key == "Action"), "")
    return Incoming(request, signed, form, _service_of(signed, action), action, request_id)


def handle(server: Server, request: HttpRequest, meta: RequestMeta | None = None) -> Response:
    """Answer one request (reading, authenticating, authorizing, operating)."""
    request_id = ids.request_id()
    try:
        incoming = receive(request, request_id)
    except ServiceError as error:
        return refuse_unread(server, request, request_id, meta or RequestMeta(), error)
    return answer(server, incoming, meta or RequestMeta())


def refuse_unread(
    server: Server, request: HttpRequest, request_id: str, meta: RequestMeta, error: ServiceError
) -> Response:
    """AWS's error for a request refused before it could be read (its signature claim).

    One that names a key (a signature that does not parse, a stale date) is a failed
    sign-in attempt with that key: it goes on the trail, in the key's account.
    """
    service = claimed_service(request)
    key_id = claimed_key_id(request)
    if key_id is not None:
        seen = ApiCall(
            service=service,
            action=_claimed_action(request),
            request_id=request_id,
            received_at=server.clock.now(),
            region=UNSIGNED_REGION,
            meta=meta,
            access_key_id=key_id,
        )
        seen.error = error
        server.trail.finish(seen)
    return error_response(error, request_id, service)


def _claimed_action(request: HttpRequest) -> str:
    """The Action a refused request names, for its event ("" if it cannot be read)."""
    if len(request.body) > MAX_BODY_BYTES:
        return ""
    try:
        form = _form_of(request)
    except ServiceError:
        return ""
    return next((value for key, value in form if key == "Action"), "")


def answer(server: Server, incoming: Incoming, meta: RequestMeta) -> Response:
    request_id = incoming.request_id
    seen = _audited(server, incoming, meta)
    try:
        body = _run(server, incoming, meta, seen)
        return Response(200, body, request_id, _content_type(incoming.service))
    except ServiceError as error:
        seen.error = error
        return error_response(error, request_id, incoming.service)
    except Exception:
        log.exception("request %s failed", request_id)
        seen.error = InternalFailure("An internal error occurred.")
        return error_response(seen.error, request_id, incoming.service)
    finally:
        server.trail.finish(seen)


def error_response(error: ServiceError, request_id: str, service: str) -> Response:
    if is_json(service):
        status, body = serialize_json_error(error)
        return Response(status, body, request_id, JSON_CONTENT_TYPE)
    status, body = serialize_error(error, request_id, service=service)
    return Response(status, body, request_id)


def claimed_service(request: HttpRequest) -> str:
    """The service a request that failed before authentication names, for its error shape."""
    claim = request.headers.get("authorization", "") + request.query_string
    for service in ("sts", "cloudtrail"):
        if f"/{service}/" in claim or f"%2F{service}%2F" in claim:
            return service
    return "iam"


def _content_type(service: str) -> str:
    return JSON_CONTENT_TYPE if is_json(service) else XML_CONTENT_TYPE


def _audited(server: Server, incoming: Incoming, meta: RequestMeta) -> ApiCall:
    """The call as the audit trail will record it, filled in as the request goes."""
    signed = incoming.signed
    return ApiCall(
        service=incoming.service,
        action=incoming.action,
        request_id=incoming.request_id,
        received_at=server.clock.now(),
        region=signed.region if signed is not None else UNSIGNED_REGION,
        meta=meta,
        access_key_id=signed.access_key_id if signed is not None else None,
    )


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


def _run(server: Server, incoming: Incoming, meta: RequestMeta, seen: ApiCall) -> bytes:
    """Authenticate, then parse and validate, then authorize, then operate: AWS's order.

    An unauthenticated client learns nothing about which operations exist or what
    their parameters must be: every error it can see is an authentication error.
    """
    now = seen.received_at
    signed = incoming.signed
    if signed is None:  # the unsigned STS federation actions authenticate themselves
        return _run_unsigned(server, incoming, meta, seen)
    prepared = _authenticated_preparation(server, incoming, meta, seen)
    used: Authenticated | None = None
    write = writes(incoming.action)
    try:
        # (no operation of the API takes a savepoint when it only reads)
        with server.db.transaction(write=write, savepoints=write) as conn:
            with read_once():  # nothing is written before the operation runs
                authenticated = authenticate(conn, server.sealer, incoming.request, signed, now)
                used = authenticated
                seen.caller = authenticated.caller
                parsed, call = _parse(incoming, meta, seen)
                ctx = OperationContext(
                    conn=conn,
                    caller=authenticated.caller,
                    now=now,
                    sealer=server.sealer,
                    region=signed.region,
                    request_id=call.request_id,
                    meta=call.meta,
                    prepared=prepared,
                    journal=seen.journal,
                )
                authorize(ctx, call.service, call.name, call.params)
            output = seen.output = call.operation(ctx, call.params)
            if write:  # a write's event commits with it, or neither does
                server.trail.record_in(conn, seen)
        seen.is_recorded = write
    finally:
        # What signed a request was used, whether or not the call succeeded.
        if used is not None:
            record_use(server.db, used, now, incoming.service, signed.region)
    return _serialize(parsed, output, call.request_id)


def _parse(incoming: Incoming, meta: RequestMeta, seen: ApiCall) -> tuple[ParsedRequest, Call]:
    """The operation and its validated input (InvalidAction, ValidationError, …)."""
    service = incoming.service
    if is_json(service):
        target = incoming.request.headers.get("x-amz-target", "")
        parsed = parse_json_request(service_model(service), target, incoming.request.body)
    else:
        parsed = parse_request(service_model(service), incoming.form)
    seen.operation, seen.params = parsed.operation, parsed.params
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
    server: Server, incoming: Incoming, meta: RequestMeta, seen: ApiCall
) -> object:
    """A signed call's preparation, run only once its signature has been verified."""
    signed = incoming.signed
    if signed is None or incoming.action not in PREPARATIONS.get(incoming.service, {}):
        return None
    with server.db.transaction() as conn:
        authenticate(conn, server.sealer, incoming.request, signed, seen.received_at)
    return _prepare(server, _parse(incoming, meta, seen)[1])


def _run_unsigned(server: Server, incoming: Incoming, meta: RequestMeta, seen: ApiCall) -> bytes:
    """AssumeRoleWithWebIdentity/SAML: an anonymous caller, the token decides."""
    seen.caller = anonymous_caller(partition=partition_for_region(UNSIGNED_REGION))
    parsed, call = _parse(incoming, meta, seen)
    prepared = _prepare(server, call)
    with server.db.transaction() as conn:
        ctx = OperationContext(
            conn=conn,
            caller=seen.caller,
            now=seen.received_at,
            sealer=server.sealer,
            region=UNSIGNED_REGION,
            request_id=call.request_id,
            meta=call.meta,
            prepared=prepared,
            journal=seen.journal,
        )
        authorize(ctx, call.service, call.name, call.params)
        output = seen.output = call.operation(ctx, call.params)
        server.trail.record_in(conn, seen)
    seen.is_recorded = True
    return _serialize(parsed, output, call.request_id)


def _serialize(parsed: ParsedRequest, output: Mapping[str, Any], request_id: str) -> bytes:
    if is_json(parsed.operation.service_model.service_name):
        return serialize_json_result(parsed.operation, output)
    return serialize_result(parsed.operation, output, request_id)


def _form_of(request: HttpRequest) -> list[tuple[str, str]]:
    """The Query parameters: the form body of a POST, the query string of a GET."""
    raw = request.body if request.method == "POST" else request.query_string.encode()
    pairs = decode_form(raw)
    if request.method == "POST" and request.query_string:
        pairs = decode_form(request.query_string.encode()) + pairs
    # A presigned URL's own X-Amz-* parameters are the signature, not operation input.
    return [(key, value) for key, value in pairs if not key.startswith("X-Amz-")]
