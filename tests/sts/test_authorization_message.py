"""DecodeAuthorizationMessage: messages iamd encoded, readable only in their account."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def _encoded(server: Any, account_id: str) -> str:
    from iamd.policy import Principal, RequestContext, decide
    from iamd.sts.authorization_message import encode_authorization_message

    principal = Principal.user(account_id, "alice")
    request = RequestContext(principal, "ec2:RunInstances", "*", {"ec2:Tenancy": "default"})
    db, sealer = server.open_store()
    db.dispose()
    return encode_authorization_message(sealer, decide(request))


def test_decode_in_the_same_account(server: Any, sts: Any, account: Any) -> None:
    decoded = json.loads(
        sts.decode_authorization_message(EncodedMessage=_encoded(server, account.account_id))[
            "DecodedMessage"
        ]
    )
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    context = decoded["context"]
    assert context["principal"]["arn"] == f"arn:aws:iam::{account.account_id}:user/alice"
    assert context["action"] == "ec2:RunInstances"
    assert {"key": "ec2:Tenancy", "values": {"items": [{"value": "default"}]}} in (
        context["conditions"]["items"]
    )


def test_other_accounts_and_garbage_are_refused(server: Any, sts: Any) -> None:
    other = server.new_account()
    for message in (_encoded(server, other.account_id), "not-a-message"):
        with pytest.raises(ClientError) as excinfo:
            sts.decode_authorization_message(EncodedMessage=message)
        assert error_of(excinfo) == (
            "InvalidAuthorizationMessageException",
            "Message is not valid",
            400,
        )


def test_decoding_needs_permission(
    server: Any, new_user: Any, make_client: Any, account: Any
) -> None:
    bob = new_user("bob")
    with pytest.raises(ClientError) as excinfo:
        make_client("sts", bob.key_id, bob.secret).decode_authorization_message(
            EncodedMessage=_encoded(server, account.account_id)
        )
    assert error_of(excinfo)[0] == "AccessDenied"
