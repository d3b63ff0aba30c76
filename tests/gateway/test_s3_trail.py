"""The S3 gateway's decisions on the audit trail: each request it decides is a CloudTrail
data event, with the statement behind the decision, read back with LookupEvents."""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from gateway_support import GatewayProcess, allow_policy
from support import IamdServer, RootCredential

PATIENCE = 10.0  # data events are batched (every 0.2 s)


def _events(cloudtrail: Any, name: str, resource: str) -> list[dict[str, Any]]:
    """The records of events named ``name`` about ``resource``, once they have arrived."""
    deadline = time.monotonic() + PATIENCE
    while True:
        answer = cloudtrail.lookup_events(
            LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": resource}]
        )
        records = [json.loads(event["CloudTrailEvent"]) for event in answer["Events"]]
        found = [record for record in records if record["eventName"] == name]
        if found or time.monotonic() > deadline:
            assert found, (name, resource, records)
            return found
        time.sleep(0.1)


def test_allowed_and_denied_object_requests_are_data_events_with_their_reasons(
    server: IamdServer,
    account: RootCredential,
    iam: Any,
    s3_gateway: GatewayProcess,
    s3_client: Callable[..., Any],
) -> None:
    bucket = "iamd-" + secrets.token_hex(6)
    s3_client(account.access_key_id, account.secret_access_key).create_bucket(Bucket=bucket)
    iam.create_user(UserName="reader")
    reads = {"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    iam.put_user_policy(UserName="reader", PolicyName="reads", PolicyDocument=allow_policy(reads))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    reader = s3_client(key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as refused:
        reader.put_object(Bucket=bucket, Key="q4.csv", Body=b"numbers")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as missing:  # allowed: the upstream says it is not there
        reader.get_object(Bucket=bucket, Key="q4.csv")
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"

    cloudtrail = server.client("cloudtrail", account.access_key_id, account.secret_access_key)
    object_arn = f"arn:aws:s3:::{bucket}/q4.csv"
    (put,) = _events(cloudtrail, "PutObject", object_arn)
    assert put["eventSource"] == "s3.amazonaws.com"
    assert put["eventCategory"] == "Data" and put["managementEvent"] is False
    assert put["readOnly"] is False
    assert put["userIdentity"]["arn"] == f"arn:aws:iam::{account.account_id}:user/reader"
    assert put["userIdentity"]["accessKeyId"] == key["AccessKeyId"]
    assert put["errorCode"] == "AccessDenied"
    assert put["requestParameters"]["bucketName"] == bucket
    assert put["requestParameters"]["key"] == "q4.csv"
    assert put["resources"][0]["ARN"] == object_arn
    assert put["requestID"] == refused.value.response["ResponseMetadata"]["RequestId"]
    assert put["iamdDecision"]["decision"] != "allowed"
    (evaluation,) = put["iamdDecision"]["evaluations"]
    assert evaluation["action"] == "s3:PutObject"

    (get,) = _events(cloudtrail, "GetObject", object_arn)
    assert get["readOnly"] is True and "errorCode" not in get
    assert get["iamdDecision"]["decision"] == "allowed"
    (allowed,) = get["iamdDecision"]["evaluations"]
    assert allowed["action"] == "s3:GetObject"
    assert [statement["sid"] for statement in allowed["statements"]] == ["ReadReports"]


def test_a_forged_signature_is_an_event_without_a_caller(
    server: IamdServer,
    account: RootCredential,
    s3_gateway: GatewayProcess,
    s3_client: Callable[..., Any],
) -> None:
    bucket = "iamd-" + secrets.token_hex(6)
    s3_client(account.access_key_id, account.secret_access_key).create_bucket(Bucket=bucket)
    forger = s3_client(account.access_key_id, "not-the-secret")
    with pytest.raises(ClientError) as refused:
        forger.get_object(Bucket=bucket, Key="secret.txt")
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

    cloudtrail = server.client("cloudtrail", account.access_key_id, account.secret_access_key)
    (forged,) = _events(cloudtrail, "GetObject", f"arn:aws:s3:::{bucket}/secret.txt")
    assert forged["errorCode"] == "SignatureDoesNotMatch"
    assert forged["userIdentity"]["type"] == "Unknown"
    assert forged["userIdentity"]["accessKeyId"] == account.access_key_id


def test_a_download_abandoned_midway_is_still_an_event(
    server: IamdServer,
    account: RootCredential,
    s3_gateway: GatewayProcess,
    s3_client: Callable[..., Any],
) -> None:
    """An allowed request's event is queued on the event loop's turn after its answer
    starts: a client that hangs up during the body leaves its event all the same."""
    bucket = "iamd-" + secrets.token_hex(6)
    root = s3_client(account.access_key_id, account.secret_access_key)
    root.create_bucket(Bucket=bucket)
    root.put_object(Bucket=bucket, Key="large.bin", Body=secrets.token_bytes(8 * 1024 * 1024))
    url = urlsplit(
        root.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "large.bin"})
    )
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request("GET", f"{url.path}?{url.query}")
    answer = connection.getresponse()
    assert answer.status == 200 and len(answer.read(64 * 1024)) == 64 * 1024
    connection.sock.shutdown(socket.SHUT_RDWR)  # gone, with most of the body unread
    connection.close()

    cloudtrail = server.client("cloudtrail", account.access_key_id, account.secret_access_key)
    (get,) = _events(cloudtrail, "GetObject", f"arn:aws:s3:::{bucket}/large.bin")
    assert get["iamdDecision"]["decision"] == "allowed" and "errorCode" not in get
