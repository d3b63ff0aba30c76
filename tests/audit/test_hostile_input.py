"""What a hostile client sends reaches the trail's columns (the Action it names, the key
id it claims, the region it signs for); none of it may make a batch of events
unwritable — on PostgreSQL, NUL and over-long text would — or stop the trail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import IamdServer, RootCredential, send_signed


def test_hostile_text_never_stops_the_trail(
    server: IamdServer, account: RootCredential, trail: Any
) -> None:
    long_action = "Get" + "X" * 500 + "\x00"
    status, _ = send_signed(server, account, f"Action={long_action}&Version=2010-05-08".encode())
    assert status == 400
    forged = RootCredential(account.account_id, "AKIA\x00" + "Z" * 300, "not-the-secret")
    status, _ = send_signed(server, forged, b"Action=GetCallerIdentity&Version=2011-06-15",
                            service="sts")  # fmt: skip
    assert status in (400, 403)
    status, _ = send_signed(
        server, account, b"Action=ListUsers&Version=2010-05-08", region="r" * 100
    )
    assert status in (400, 403)
    # The trail goes on: a plain call made after all of that is recorded.
    status, _ = send_signed(server, account, b"Action=ListRoles&Version=2010-05-08")
    assert status == 200
    (listed,) = trail.wait_for("ListRoles")
    assert listed["userIdentity"]["type"] == "Root"


def test_lookup_attribute_values_the_store_refuses_get_aws_errors(
    server: IamdServer, account: RootCredential
) -> None:
    cloudtrail: Any = server.client("cloudtrail", account.access_key_id, account.secret_access_key)
    for value in ("bad\x00name", "x" * 3000):
        attribute = {"AttributeKey": "Username", "AttributeValue": value}
        try:
            answer = cloudtrail.lookup_events(LookupAttributes=[attribute])
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
        else:
            assert answer["Events"] == []
    with pytest.raises(ClientError) as caught:
        cloudtrail.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "\x00"}],
            NextToken="\x00",
        )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert json.dumps(caught.value.response["Error"])


def test_a_signature_that_does_not_parse_is_recorded_for_the_key_it_names(
    server: IamdServer, account: RootCredential, trail: Any
) -> None:
    import urllib.error
    import urllib.request

    scope = f"{account.access_key_id}/20261204/us-east-1/iam/aws4_request"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, Signature=00",  # no headers
        "X-Amz-Date": "20261204T000000Z",
    }
    body = b"Action=DeleteRole&Version=2010-05-08&RoleName=victim"
    request = urllib.request.Request(f"{server.endpoint}/", data=body, headers=headers)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
    assert b"IncompleteSignature" in refused.value.read()
    (event,) = trail.wait_for("DeleteRole", where=lambda e: e.get("errorCode") is not None)
    assert event["errorCode"] == "IncompleteSignature"
    assert event["userIdentity"] == {
        "type": "Unknown",
        "accessKeyId": account.access_key_id,
        "accountId": account.account_id,
    }
