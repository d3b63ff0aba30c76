"""execute-api decisions on the audit trail, as CloudTrail data events.

One event per invocation the execute-api gateway or forward-auth decides: allowed or
denied (with the statements behind it), or refused before a caller was known (the
signature), in the caller's account — or, unverified, the account of the key it
named — and the API's. Queued once the decision's transaction has closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamd.audit.data_plane import DataPlaneRequest, data_plane_event
from iamd.audit.trail import Trail
from iamd.auth.caller import Caller
from iamd.authz.journal import Journal
from iamd.gateway.api_errors import ApiError

if TYPE_CHECKING:  # api_authorize records through this module
    from iamd.gateway.api_authorize import Api, Invocation

SERVICE = "execute-api"
RESOURCE_TYPE = "AWS::ApiGateway::Stage"  # CloudTrail's type for an API stage


def record_invocation(
    trail: Trail | None,
    api: Api,
    invocation: Invocation,
    caller: Caller | None,
    journal: Journal,
    error: ApiError | None,
    key_id: str | None,
) -> None:
    if trail is None or not trail.enabled:
        return
    claimed = trail.claimed_account(key_id) if caller is None and key_id else None
    partition = caller.partition if caller is not None else "aws"
    head = invocation.head
    event = DataPlaneRequest(
        service=SERVICE,
        action=f"{SERVICE}:Invoke",
        resource_arn=api.arn(partition, head.method, invocation.path),
        resource_type=RESOURCE_TYPE,
        when=invocation.now,
        region=api.region,
        meta=invocation.meta,
        request_id=invocation.request_id,
        journal=journal,
        caller=caller,
        access_key_id=key_id,
        read_only=head.method in ("GET", "HEAD", "OPTIONS"),
        resource_account=api.account_id,
        request_parameters={"httpMethod": head.method, "path": invocation.path},
        error_code=error.error_type if error is not None else None,
        error_message=error.message if error is not None else None,
        claimed_account=claimed,
    )
    trail.record_later(data_plane_event(event))
