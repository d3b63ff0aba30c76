"""Malformed HTTP at the gateway gets each service's own error shape, never plain text.

S3: its XML ``<Error>`` with S3's codes (InvalidRequest, RequestHeaderSectionTooLarge,
NotImplemented for a Transfer-Encoding it does not take). execute-api: API Gateway's
JSON ``{"message": …}`` with ``x-amzn-ErrorType``. Sent as raw bytes, as only a broken
client or an attacker would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest

from gateway_support import EchoUpstream, GatewayProcess, start_api_gateway
from support import IamdServer, RootCredential, exchange, first_traceback, read_reply

HOST = b"Host: localhost\r\n"
MALFORMED = {
    "garbage request line": (b"\x00\x01 not http\r\n\r\n", 400, "InvalidRequest"),
    "control byte in a header": (
        b"GET / HTTP/1.1\r\n" + HOST + b"X\x01Y: z\r\n\r\n", 400, "InvalidRequest",
    ),
    "header over the limit": (
        b"GET / HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 20_000,
        400,
        "RequestHeaderSectionTooLarge",
    ),
    "Content-Length and Transfer-Encoding": (
        b"PUT /b/k HTTP/1.1\r\n" + HOST
        + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "InvalidRequest",
    ),
    "Transfer-Encoding gzip": (
        b"PUT /b/k HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n",
        501,
        "NotImplemented",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", MALFORMED)
def test_s3_gateway_answers_malformed_http_in_s3_xml(s3_gateway: GatewayProcess, name: str) -> None:
    traffic, status, code = MALFORMED[name]
    reply = read_reply(exchange(s3_gateway.port, traffic))
    assert reply.status == status, reply
    assert reply.headers["content-type"] == "application/xml", reply
    error = ElementTree.fromstring(reply.body.split(b"\n", 1)[1])
    assert error.tag == "Error" and error.findtext("Code") == code, reply
    assert error.findtext("Message")
    assert error.findtext("RequestId") == reply.headers["x-amz-request-id"]
    assert first_traceback(s3_gateway.log()) is None, s3_gateway.log()


@pytest.fixture
def api(
    server: IamdServer, echo: EchoUpstream, account: RootCredential
) -> Iterator[GatewayProcess]:
    running = start_api_gateway(server, echo.endpoint, account.account_id)
    yield running
    running.stop()


def test_api_gateway_answers_malformed_http_in_its_json(api: GatewayProcess) -> None:
    for name, (traffic, _, _) in MALFORMED.items():
        reply = read_reply(exchange(api.port, traffic))
        assert reply.status == 400, (name, reply)
        assert reply.headers["x-amzn-errortype"] == "BadRequestException", (name, reply)
        assert reply.headers["x-amzn-requestid"], (name, reply)
        assert json.loads(reply.body)["message"], (name, reply)
    assert first_traceback(api.log()) is None, api.log()
