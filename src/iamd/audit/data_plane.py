"""The data plane's decisions as audit events: what a gateway calls once per request.

The gateway (S3, execute-api) authenticates a request, maps it to an action, a
resource and condition keys, decides with `iamd.authz`, then forwards or refuses. It
hands that here as a `DataPlaneRequest` — the caller (None when the signature did not
verify), the action and resource, the evaluations it made (an `authz.journal.Journal`,
so the record carries the same ``iamdDecision`` as an API call's), and the outcome —
and queues the result on the process's trail::

    trail.record_later(data_plane_event(request))

The event is a CloudTrail *data* event (``eventCategory`` ``Data``,
``managementEvent`` false) whose ``resources`` name the resource by ARN and type, and
it is delivered to the resource owner's account too when that is not the caller's.
Data-plane events are never part of a store write, so they are always batched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from iamd.arn import parse_arn
from iamd.audit import identity
from iamd.audit.events import Happened, distinct, event_source
from iamd.audit.reasons import decision_element
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.authz.journal import Journal


@dataclass(frozen=True)
class DataPlaneRequest:
    """One request the gateway decided."""

    service: str  # "s3", "execute-api"
    action: str  # "s3:GetObject"
    resource_arn: str
    resource_type: str  # CloudTrail's, e.g. "AWS::S3::Object"
    when: datetime
    region: str
    meta: RequestMeta
    request_id: str
    journal: Journal
    caller: Caller | None = None
    access_key_id: str | None = None
    read_only: bool = True
    resource_account: str | None = None  # the owner, when the ARN does not name it (S3)
    request_parameters: Mapping[str, Any] | None = None
    error_code: str | None = None  # "AccessDenied", "SignatureDoesNotMatch", …
    error_message: str | None = None
    additional: Mapping[str, Any] = field(default_factory=dict)
    # The account of the key a request that did not verify named (no caller then).
    claimed_account: str | None = None


def data_plane_event(request: DataPlaneRequest) -> Happened:
    """The request as a CloudTrail data event, with the decision and its reasons."""
    caller = request.caller
    who = (
        identity.user_identity(caller)
        if caller is not None
        else identity.unknown_identity(request.claimed_account, request.access_key_id or "")
    )
    owner = request.resource_account or _account_of(request.resource_arn)
    resource: dict[str, str] = {"type": request.resource_type, "ARN": request.resource_arn}
    if owner:
        resource["accountId"] = owner
    return Happened(
        when=request.when,
        source=event_source(request.service),
        name=request.action.split(":", 1)[-1],
        region=request.region,
        identity=who,
        source_ip=request.meta.source_ip,
        user_agent=request.meta.user_agent,
        request_id=request.request_id,
        read_only=request.read_only,
        accounts=distinct([caller.account_id if caller else request.claimed_account, owner]),
        request_parameters=dict(request.request_parameters or {}) or None,
        error_code=request.error_code,
        error_message=request.error_message,
        additional=dict(request.additional) or None,
        # "*": a request about no one resource (S3's ListBuckets) names none.
        resources=(resource,) if request.resource_arn != "*" else (),
        lookup_resources=(
            ((request.resource_type, request.resource_arn),) if request.resource_arn != "*" else ()
        ),
        is_management=False,
        decision=decision_element(request.journal),
        username=identity.username(caller) if caller is not None else None,
        actor_id=identity.actor_id(caller) if caller is not None else None,
    )


def _account_of(arn_text: str) -> str | None:
    arn = parse_arn(arn_text)
    return arn.account if arn is not None and arn.account else None
