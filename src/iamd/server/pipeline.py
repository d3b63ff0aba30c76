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
from iamd.auth.authenticate import authenticate
from iamd.auth.caller import anonymous_caller
from iamd.auth.sigv4 import HttpRequest, SignedRequest, read_signature
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
from iamd.protocol import decode_form, parse_request, serialize_error, serialize_result
from iamd.protocol.models import service_model
from iamd.server.authorize import authorize
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


def handle(server: Server, request: HttpRequest, meta: RequestMeta | None = None) -> Response:
    request_id = ids.request_id()
    service = "iam"
    try:
        if len(request.body) > MAX_BODY_BYTES:
            raise RequestEntityTooLarge("Request body exceeds the maximum allowed size.")
        signed = read_signature(request)
        form = _form_of(request)
        service = _service_of(signed, form)
        body = _handle(server, request, signed, form, service, meta or RequestMeta(), request_id)
        return Response(200, body, request_id)
    except ServiceError as error:
        status, body = serialize_error(error, request_id, service=service)
        return Response(status, body, request_id)
    except Exception:
        log.exception("request %s failed", request_id)
        failure = InternalFailure("An internal error occurred.")
        status, body = serialize_error(failure, request_id, service=service)
        return Response(status, body, request_id)


def _service_of(signed: SignedRequest | None, form: list[tuple[str, str]]) -> str:
    """IAM or STS: by the credential scope; unsigned, only STS's federation actions."""
    if signed is not None:
        return signed.service
    actions = [value for key, value in form if key == "Action"]
    if actions and actions[0] in UNSIGNED_STS_ACTIONS:
        return "sts"
    raise MissingAuthenticationToken("Request is missing Authentication Token")


def _handle(
    server: Server,
    request: HttpRequest,
    signed: SignedRequest | None,
    form: list[tuple[str, str]],
    service: str,
    meta: RequestMeta,
    request_id: str,
) -> bytes:
    parsed = parse_request(service_model(service), form)
    name = parsed.operation.name
    operation = OPERATIONS[service].get(name)
    if operation is None:
        raise NotImplementedOperation(f"iamd does not implement {service}:{name} yet.")
    call = Call(service, name, operation, parsed.params, meta, request_id)
    output = _run(server, request, signed, call)
    return serialize_result(parsed.operation, output, request_id)


@dataclass(frozen=True)
class Call:
    """One parsed call: which operation, its input, and where it came from."""

    service: str
    name: str
    operation: Operation
    params: Mapping[str, Any]
    meta: RequestMeta
    request_id: str


def _run(
    server: Server, request: HttpRequest, signed: SignedRequest | None, call: Call
) -> dict[str, Any]:
    now = server.clock.now()
    prepared = _prepare(server, call)
    if signed is None:  # the unsigned STS federation actions authenticate themselves
        return _run_unsigned(server, call, now, prepared)
    key: access_keys.AccessKey | None = None
    write = not is_read_only(call.name) or call.name in WRITING_READS
    try:
        with server.db.transaction(write=write) as conn:
            authenticated = authenticate(conn, server.sealer, request, signed, now)
            key = authenticated.key
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
            return call.operation(ctx, call.params)
    finally:
        # A key that signed a request was used, whether or not the call succeeded.
        _record_key_use(server, key, now, call.service, signed.region)


def _prepare(server: Server, call: Call) -> object:
    """Run the operation's preparation, if it has one, outside any transaction."""
    prepare = PREPARATIONS.get(call.service, {}).get(call.name)
    return prepare(server.db, call.params) if prepare is not None else None


def _run_unsigned(server: Server, call: Call, now: datetime, prepared: object) -> dict[str, Any]:
    """AssumeRoleWithWebIdentity/SAML: an anonymous caller, the token decides."""
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
        return call.operation(ctx, call.params)


def _record_key_use(
    server: Server, key: access_keys.AccessKey | None, now: datetime, service: str, region: str
) -> None:
    if key is None or not access_keys.needs_last_used_update(key, now, service, region):
        return
    try:
        with server.db.transaction() as conn:
            access_keys.record_use(
                conn, key.access_key_id, when=now, service=service, region=region
            )
    except Exception:  # bookkeeping must never turn an answered request into an error
        log.exception("could not record the use of an access key")


def _form_of(request: HttpRequest) -> list[tuple[str, str]]:
    """The Query parameters: the form body of a POST, the query string of a GET."""
    raw = request.body if request.method == "POST" else request.query_string.encode()
    pairs = decode_form(raw)
    if request.method == "POST" and request.query_string:
        pairs = decode_form(request.query_string.encode()) + pairs
    # A presigned URL's own X-Amz-* parameters are the signature, not operation input.
    return [(key, value) for key, value in pairs if not key.startswith("X-Amz-")]
