"""Delegation requests: a partner's request for temporary access, and its lifecycle.

AWS lets only partners it has onboarded create delegation requests (the API
reference: "not available for general use"); iamd onboards no partner, so
CreateDelegationRequest is refused and no request ever exists. Every operation on a
request then answers as AWS does for a request id it does not know (NoSuchEntity),
and listing finds none.
"""

from __future__ import annotations

from iamd.errors import AccessDenied, InvalidInput, NoSuchEntity
from iamd.operation import OperationContext, OperationTable, Output, Params

ENTITY_TYPE = "delegation-request"


def not_found(request_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"Delegation request {request_id} not found.")


def create_delegation_request(ctx: OperationContext, params: Params) -> Output:
    raise AccessDenied(
        f"Account {ctx.account_id} is not onboarded as a partner for delegation requests."
    )


def on_request(ctx: OperationContext, params: Params) -> Output:
    """Get, Associate, Accept, Reject, Update, SendDelegationToken: no such request."""
    raise not_found(params["DelegationRequestId"])


def list_delegation_requests(ctx: OperationContext, params: Params) -> Output:
    return {"DelegationRequests": [], "isTruncated": False}


def get_human_readable_summary(ctx: OperationContext, params: Params) -> Output:
    """Only delegation requests have summaries; none exists."""
    entity_arn = params["EntityArn"]
    resource = entity_arn.split(":", 5)[-1] if entity_arn.count(":") >= 5 else ""
    if not resource.startswith(f"{ENTITY_TYPE}/"):
        raise InvalidInput(f"Entity type not supported for {entity_arn}.")
    raise not_found(resource.removeprefix(f"{ENTITY_TYPE}/"))


OPERATIONS: OperationTable = {
    "CreateDelegationRequest": create_delegation_request,
    "GetDelegationRequest": on_request,
    "ListDelegationRequests": list_delegation_requests,
    "AssociateDelegationRequest": on_request,
    "AcceptDelegationRequest": on_request,
    "RejectDelegationRequest": on_request,
    "UpdateDelegationRequest": on_request,
    "SendDelegationToken": on_request,
    "GetHumanReadableSummary": get_human_readable_summary,
}
