"""execute-api:Invoke for one signed HTTP request: API Gateway's AWS_IAM authorization.

In: the API (`Api`: id, stage, owning account, region, resource policy), the request
(its head and body, the path the ARN names, where it came from) and the store. Out:
the authenticated `Caller`, or API Gateway's error (`ApiError`). Shared by the
execute-api gateway and forward-auth, which differ only in how they learn the request.

The signature is checked as SigV4 defines it for services other than S3 (the path
normalized and encoded twice, the payload hash of the body at hand — so a request
whose body is not there, as in forward-auth, verifies only when it signed
``UNSIGNED-PAYLOAD`` or an empty body), then execute-api:Invoke is decided on
``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD><path>`` over the
caller's policies and the resource policy, the API's account as the resource owner.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from iamd import ids
from iamd.audit.trail import Trail
from iamd.auth.authenticate import authenticate_with, record_use
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest, check_request_time, read_signature, verify_signature
from iamd.auth.sigv4_parse import claimed_key_id
from iamd.authz.authorize import decide_access, resource_policy
from iamd.authz.context_keys import request_keys
from iamd.authz.journal import Evaluation, Journal
from iamd.authz.principal_policies import policies_for
from iamd.errors import ServiceError
from iamd.gateway.api_errors import MISSING_TOKEN, ApiError, access_denied, from_auth_error
from iamd.gateway.api_events import SERVICE, record_invocation
from iamd.gateway.s3_authorize import GatewayCall
from iamd.policy import Decision, access_denied_message
from iamd.store.database import Database
from iamd.store.sealing import Sealer
from iamd.store.versioned import read_once

# The methods an API Gateway API can have (ANY is these).
API_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"})


@dataclass(frozen=True)
class Api:
    """The API this gateway fronts, as API Gateway would name it."""

    api_id: str
    stage: str
    account_id: str
    region: str = "us-east-1"
    policy: str | None = None  # the API's resource policy, validated at start

    def arn(self, partition: str, method: str, path: str) -> str:
        return (
            f"arn:{partition}:execute-api:{self.region}:{self.account_id}:"
            f"{self.api_id}/{self.stage}/{method}{path}"
        )


def expanded_policy(text: str, api: Api) -> str:
    """API Gateway's shorthand ``execute-api:/stage/METHOD/path`` as the API's full ARNs."""
    document = json.loads(text)
    prefix = f"arn:aws:execute-api:{api.region}:{api.account_id}:{api.api_id}/"
    statements = document.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for element in ("Resource", "NotResource"):
            value = statement.get(element)
            if isinstance(value, str):
                statement[element] = _expanded(value, prefix)
            elif isinstance(value, list):
                statement[element] = [_expanded(item, prefix) for item in value]
    return json.dumps(document)


def _expanded(resource: object, prefix: str) -> object:
    if isinstance(resource, str) and resource.startswith("execute-api:/"):
        return prefix + resource.removeprefix("execute-api:/")
    return resource


@dataclass(frozen=True)
class Invocation:
    """One request to the API: its head (with whatever body there is) and its ARN path."""

    head: HttpRequest
    path: str  # decoded, after the stage: the ARN's last part
    meta: RequestMeta
    now: datetime
    request_id: str = field(default_factory=ids.request_id)  # its answer's, and its event's


@dataclass(frozen=True)
class Outcome:
    """An authenticated caller and the decision on its request."""

    caller: Caller
    decision: Decision


def authorize_invocation(
    db: Database, sealer: Sealer, api: Api, invocation: Invocation, trail: Trail | None = None
) -> Caller:
    """The caller, or API Gateway's error: unauthenticated, or not allowed to invoke."""
    outcome = evaluate_invocation(db, sealer, api, invocation, trail)
    if not outcome.decision.allowed:
        raise access_denied(access_denied_message(outcome.decision))
    return outcome.caller


def evaluate_invocation(
    db: Database, sealer: Sealer, api: Api, invocation: Invocation, trail: Trail | None = None
) -> Outcome:
    """Authenticate the signed request (ApiError if not), then decide execute-api:Invoke.

    With a ``trail``, the decision (or the refusal) is recorded there as a data event.
    """
    journal = Journal()
    try:
        outcome = _evaluate(db, sealer, api, invocation, journal)
    except ApiError as refused:
        key_id = claimed_key_id(invocation.head)
        record_invocation(trail, api, invocation, None, journal, refused, key_id)
        raise
    denied = None
    if not outcome.decision.allowed:
        denied = access_denied(access_denied_message(outcome.decision))
    key_id = outcome.caller.access_key_id
    record_invocation(trail, api, invocation, outcome.caller, journal, denied, key_id)
    return outcome


def _evaluate(
    db: Database, sealer: Sealer, api: Api, invocation: Invocation, journal: Journal
) -> Outcome:
    head = invocation.head
    if head.method not in API_METHODS:  # no API has a method for it: API Gateway's 403
        raise MISSING_TOKEN
    try:
        signed = read_signature(head, (SERVICE,))
        if signed is None:
            raise MISSING_TOKEN
        check_request_time(signed, invocation.now)
        if signed.region != api.region:
            raise ApiError(
                "InvalidSignatureException",
                403,
                f"Credential should be scoped to a valid region, not '{signed.region}'. ",
            )
        # The key's versions, read once for its caller's policies too.
        with db.transaction(write=False, savepoints=False) as conn, read_once():
            authenticated = authenticate_with(
                conn,
                sealer,
                signed,
                invocation.now,
                lambda secret: verify_signature(head, signed, secret),
            )
            caller = authenticated.caller
            call = GatewayCall(conn, caller, invocation.now, api.region, invocation.meta, journal)
            decision = _decide(call, api, head.method, invocation.path, head.headers)
    except ServiceError as error:
        raise from_auth_error(error) from None
    record_use(db, authenticated, invocation.now, SERVICE, api.region)
    return Outcome(caller, decision)


def _decide(
    call: GatewayCall, api: Api, method: str, path: str, headers: Mapping[str, str]
) -> Decision:
    keys = dict(request_keys(call, {}))
    if "referer" in headers:
        keys["aws:Referer"] = headers["referer"]
    policy = resource_policy(api.policy, f"api:{api.api_id}") if api.policy else None
    action, arn = f"{SERVICE}:Invoke", api.arn(call.caller.partition, method, path)
    policies = policies_for(call)
    decision = decide_access(
        call,
        action,
        arn,
        keys,
        policies=policies,
        resource_policy=policy,
        resource_account=api.account_id,
    )
    origins = policies.origins
    call.journal.add(Evaluation(action, arn, decision.allowed, decision=decision, origins=origins))
    return decision
