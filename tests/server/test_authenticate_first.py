"""AWS authenticates before anything else: an unauthenticated client learns nothing.

A bad or missing signature gets an authentication error whatever the request names —
an operation iamd does not implement, one that does not exist, invalid parameters —
and a correctly signed request then meets the protocol's errors in AWS's order.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from server.test_bad_input import code_of, send

BODIES = [
    "Action=NoSuchOperation&Version=2010-05-08",
    "Action=CreateUser&Version=2010-05-08",  # missing the required UserName
    "Action=CreateUser&Version=2010-05-08&UserName=" + "x" * 500,
    "Action=ListUsers&Version=1999-01-01",
    "Version=2010-05-08",
    "Action=GetAccountAuthorizationDetails&Version=2010-05-08&MaxItems=-5",
]


@pytest.mark.parametrize("body", BODIES)
def test_unsigned_requests_get_only_missing_authentication(
    server: Any, account: Any, body: str
) -> None:
    status, xml = send(server, account, body.encode(), sign=False)
    assert (status, code_of(xml)) == (403, "MissingAuthenticationToken")


@pytest.mark.parametrize("body", BODIES)
def test_badly_signed_requests_get_only_signature_errors(
    server: Any, account: Any, body: str
) -> None:
    tampered = account.__class__(
        account.account_id, account.access_key_id, account.secret_access_key + "x"
    )
    status, xml = send(server, tampered, body.encode())
    assert status == 403
    assert code_of(xml) == "SignatureDoesNotMatch"


@pytest.mark.parametrize("body", BODIES)
def test_unknown_keys_get_only_invalid_client_token(server: Any, account: Any, body: str) -> None:
    stranger = account.__class__(account.account_id, "AKIAIAMDNOSUCHKEY000", "secret")
    status, xml = send(server, stranger, body.encode())
    assert (status, code_of(xml)) == (403, "InvalidClientTokenId")


def test_signed_unknown_action_gets_invalid_action(server: Any, account: Any) -> None:
    status, xml = send(server, account, b"Action=NoSuchOperation&Version=2010-05-08")
    assert (status, code_of(xml)) == (400, "InvalidAction")


def test_signed_invalid_input_gets_validation_error(server: Any, account: Any) -> None:
    body = "Action=CreateUser&Version=2010-05-08&UserName=" + "x" * 500
    status, xml = send(server, account, body.encode())
    assert (status, code_of(xml)) == (400, "ValidationError")


def test_percent_encoded_action_is_the_same_action(server: Any, account: Any) -> None:
    """The action is read from the decoded form, wherever its bytes were escaped."""
    name = urllib.parse.quote("CreateLoginProfile", safe="").replace("C", "%43")
    send(server, account, b"Action=CreateUser&Version=2010-05-08&UserName=escaped")
    body = f"Action={name}&Version=2010-05-08&UserName=escaped&Password=Str0ng-Passw0rd!"
    status, xml = send(server, account, body.encode())
    assert status == 200, xml
    assert "<CreateLoginProfileResult>" in xml
