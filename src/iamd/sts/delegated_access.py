"""GetDelegatedAccessToken: a delegation request's trade-in token for credentials.

A trade-in token exists only once a delegation request has been accepted and its
token sent (`iamd.iam.delegation_requests`); iamd onboards no delegation partner, so
no request and no token ever exists, and every token presented is refused as AWS
refuses one it cannot exchange.
"""

from __future__ import annotations

from iamd.errors import ExpiredTradeInToken
from iamd.operation import OperationContext, OperationTable, Output, Params


def get_delegated_access_token(ctx: OperationContext, params: Params) -> Output:
    raise ExpiredTradeInToken(
        "The trade-in token provided in the request has expired or is not valid."
    )


OPERATIONS: OperationTable = {"GetDelegatedAccessToken": get_delegated_access_token}
