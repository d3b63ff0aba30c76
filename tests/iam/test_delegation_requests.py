"""Delegation requests: iamd onboards no partner, so none is created and none is found."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

REQUEST_ID = "a1b2c3d4e5f6a7b8c9d0"


def _error(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


def test_only_onboarded_partners_create_requests(iam: Any, account: Any) -> None:
    create = lambda: iam.create_delegation_request(  # noqa: E731
        Description="Let us manage your buckets",
        Permissions={"PolicyTemplateArn": "arn:aws:iam::aws:policy-template/Example"},
        RequestorWorkflowId="workflow-1",
        NotificationChannel="arn:aws:sns:us-east-1:123456789012:partner",
        SessionDuration=3600,
    )
    code, message, status = _error(create)
    assert (code, status) == ("AccessDenied", 403)
    assert account.account_id in message
    assert iam.list_delegation_requests()["DelegationRequests"] == []


@pytest.mark.parametrize(
    "operation",
    [
        "get_delegation_request",
        "associate_delegation_request",
        "accept_delegation_request",
        "reject_delegation_request",
        "update_delegation_request",
        "send_delegation_token",
    ],
)
def test_no_request_is_found(iam: Any, operation: str) -> None:
    call = lambda: getattr(iam, operation)(DelegationRequestId=REQUEST_ID)  # noqa: E731
    assert _error(call) == ("NoSuchEntity", f"Delegation request {REQUEST_ID} not found.", 404)


def test_human_readable_summary(iam: Any, account: Any) -> None:
    arn = f"arn:aws:iam::{account.account_id}:delegation-request/{REQUEST_ID}"
    assert _error(lambda: iam.get_human_readable_summary(EntityArn=arn))[0] == "NoSuchEntity"
    user_arn = f"arn:aws:iam::{account.account_id}:user/someone"
    assert _error(lambda: iam.get_human_readable_summary(EntityArn=user_arn))[0] == "InvalidInput"


def test_no_trade_in_token_is_exchanged(sts: Any) -> None:
    call = lambda: sts.get_delegated_access_token(TradeInToken="x" * 40)  # noqa: E731
    assert _error(call)[0::2] == ("ExpiredTradeInTokenException", 400)
