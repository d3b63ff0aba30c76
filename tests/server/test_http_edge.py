"""The HTTP edge under a misbehaving client: AWS's XML (or a console page), never a traceback.

A server of its own, so that its log holds only what this module's traffic caused.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support import (
    BOOTSTRAP,
    REGION,
    IamdServer,
    RawReply,
    exchange,
    first_traceback,
    read_reply,
    start_server,
)

XML_ERROR = re.compile(rb"^<ErrorResponse xmlns=\"https://iam\.amazonaws\.com/doc/2010-05-08/\">")
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture(scope="module")
def edge_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamdServer]:
    # At INFO, so that what a client's hang-up logs is seen, and counted.
    running = start_server(tmp_path_factory.mktemp("edge"), log_level="info")
    yield running
    running.stop()


def raw(server: IamdServer, data: bytes, *, then_close: bool = False) -> bytes:
    """Send bytes as they are; read the answer, or hang up at once."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        if then_close:
            time.sleep(0.05)
            return b""
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def answer(
    server: IamdServer, method: str, path: str, body: bytes | None
) -> tuple[int, bytes, str]:
    request = urllib.request.Request(server.endpoint + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("content-type", "")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PURGE"])
@pytest.mark.parametrize("path", ["/", "/healthz", "/some/where"])
def test_other_methods_get_aws_xml(edge_server: IamdServer, method: str, path: str) -> None:
    status, body, content_type = answer(edge_server, method, path, b"Action=ListUsers")
    assert status == 405 and content_type.startswith("text/xml"), body
    assert XML_ERROR.match(body) and b"<Code>MethodNotAllowed</Code>" in body


@pytest.mark.parametrize("path", ["/a%0Ab", "/console/a%0Ab", "/%0A"])
def test_a_path_no_route_matches_is_still_an_api_request(
    edge_server: IamdServer, path: str
) -> None:
    status, body, content_type = answer(edge_server, "GET", path, None)
    assert status == 403 and content_type.startswith("text/xml"), body
    assert XML_ERROR.match(body) and b"<Code>MissingAuthenticationToken</Code>" in body


def test_other_methods_on_the_console_get_its_page(edge_server: IamdServer) -> None:
    status, body, content_type = answer(edge_server, "PUT", "/console/signin", b"")
    assert status == 404 and content_type.startswith("text/html")
    assert b"<!doctype html>" in body


def test_an_oversized_body_gets_aws_xml_413(edge_server: IamdServer) -> None:
    head = b"POST / HTTP/1.1\r\nHost: x\r\n" + FORM + b"Content-Length: 13000000\r\n\r\n"
    reply = raw(edge_server, head + b"x" * (12 * 1024 * 1024 + 10))
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), reply[:300]
    assert XML_ERROR.search(rest.partition(b"\r\n\r\n")[2])
    assert b"<Code>RequestEntityTooLarge</Code>" in rest


@pytest.mark.parametrize("path", ["/", "/console/signin", "/a%0ATraceback%20(most%20recent"])
def test_a_client_that_leaves_mid_body_costs_one_log_line(
    edge_server: IamdServer, path: str
) -> None:
    before = edge_server.log()
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\n".encode() + FORM
    for _ in range(3):
        raw(edge_server, head + b"Content-Length: 1000\r\n\r\nAction=List", then_close=True)
    assert answer(edge_server, "GET", "/healthz", None)[0] == 200  # still serving
    time.sleep(0.3)
    added = edge_server.log()[len(before) :].splitlines()
    assert len(added) == 3, added  # one line per hang-up
    assert all("disconnected before sending all of POST" in line for line in added), added
    assert first_traceback("\n".join(added)) is None


BAD_TRAFFIC = [
    b"\x00\x01\x02\x03 not http at all\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    b"GET /?Action=ListUsers&Version=2010-05-08&%ZZ HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /%FF%00/../x?\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 \xff\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\n" + FORM + b"Content-Length: 5\r\n\r\n\x00\x00\x00\x00\x00",
]


@pytest.mark.parametrize("traffic", BAD_TRAFFIC, ids=range(len(BAD_TRAFFIC)))
def test_bad_traffic_gets_an_answer_and_no_traceback(
    edge_server: IamdServer, traffic: bytes
) -> None:
    reply = read_reply(raw(edge_server, traffic))
    assert 400 <= reply.status < 500, reply
    assert reply.headers["content-type"].startswith("text/xml"), reply
    assert XML_ERROR.match(reply.body), reply
    assert answer(edge_server, "GET", "/healthz", None)[0] == 200


HOST = b"Host: x\r\n"
# Each is refused by the HTTP server before any app sees it: (bytes, what the answer says).
MALFORMED = {
    "garbage request line": (b"\x00\x01\x02 not http\r\n\r\n", "not a valid HTTP/1.1"),
    "request line without target": (b"GET\r\n" + HOST + b"\r\n", "not a valid HTTP/1.1"),
    "control byte in a header name": (
        b"GET / HTTP/1.1\r\n" + HOST + b"X\x01Y: z\r\n\r\n",
        "not a valid HTTP/1.1",
    ),
    "non-ASCII byte in the target": (b"GET /\xff HTTP/1.1\r\n" + HOST + b"\r\n", "not a valid"),
    "no Host in HTTP/1.1": (b"GET / HTTP/1.1\r\n\r\n", "not a valid HTTP/1.1"),
    # Never completed, so h11 sees the head grow past its limit.
    "header over the limit": (
        b"GET / HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 20_000,
        "header section is larger than the server accepts",
    ),
    "Content-Length and Transfer-Encoding": (
        b"POST / HTTP/1.1\r\n" + HOST + FORM
        + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "both Content-Length and Transfer-Encoding",
    ),
    "two Content-Lengths": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "not a valid HTTP/1.1",
    ),
    "Transfer-Encoding gzip": (
        b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n",
        "Transfer-Encoding is not supported",
    ),
    "bad chunk size": (
        b"POST / HTTP/1.1\r\n" + HOST + FORM + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
        "not a valid HTTP/1.1",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_http_gets_aws_xml_and_one_log_line(edge_server: IamdServer, name: str) -> None:
    traffic, says = MALFORMED[name]
    before = edge_server.log()
    reply = read_reply(raw(edge_server, traffic))
    assert reply.status == 400, reply
    assert reply.headers["content-type"].startswith("text/xml"), reply
    assert reply.headers["connection"] == "close", reply
    error = ElementTree.fromstring(reply.body).find(f"{NS}Error")
    assert error is not None, reply
    assert error.findtext(f"{NS}Code") == "InvalidQueryParameter"
    assert error.findtext(f"{NS}Type") == "Sender"
    assert says in (error.findtext(f"{NS}Message") or ""), reply
    request_id = ElementTree.fromstring(reply.body).findtext(f"{NS}RequestId")
    assert request_id and request_id == reply.headers["x-amzn-requestid"]
    time.sleep(0.2)
    added = edge_server.log()[len(before) :].splitlines()
    # One line: the server's, or, when the app was reading the body, the app's hang-up.
    assert len(added) == 1, added
    assert "sent a malformed HTTP request" in added[0] or "disconnected before" in added[0]


def test_a_malformed_chunk_after_the_answer_closes_without_a_traceback(
    edge_server: IamdServer,
) -> None:
    # The 413 goes out once the body passes the limit; the garbage chunk comes after it.
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
    head = b"POST / HTTP/1.1\r\n" + HOST + FORM + b"Transfer-Encoding: chunked\r\n\r\n"
    before = edge_server.log()
    reply = raw(edge_server, head + chunk * 13 + b"zz\r\n")
    first = read_reply(reply)
    assert first.status == 413 and XML_ERROR.match(first.body), first
    assert reply.count(b"HTTP/1.1 ") == 1, reply[-300:]  # nothing follows an answer given
    time.sleep(0.2)
    added = edge_server.log()[len(before) :]
    assert first_traceback(added) is None, added
    assert len(added.splitlines()) <= 1, added


@pytest.mark.parametrize("protocol", [b"websocket", b"h2c"])
def test_an_upgrade_request_is_answered_as_plain_http_and_logs_nothing(
    edge_server: IamdServer, protocol: bytes
) -> None:
    before = edge_server.log()
    upgrade = b"Connection: Upgrade\r\nUpgrade: " + protocol + b"\r\n"
    reply = read_reply(raw(edge_server, b"GET /healthz HTTP/1.1\r\n" + HOST + upgrade + b"\r\n"))
    assert (reply.status, reply.body) == (200, b"ok")
    time.sleep(0.2)
    assert edge_server.log()[len(before) :] == ""


def test_the_log_of_all_that_holds_no_traceback(edge_server: IamdServer) -> None:
    # Runs last in this module: everything above has gone through the same server.
    assert edge_server.traceback() is None, edge_server.traceback()


def _signed_reply(server: IamdServer, path: str, body: bytes, service: str) -> RawReply:
    """A call signed by botocore for ``path``, sent as raw bytes, read as it came."""
    url = server.endpoint + path
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": FORM_TYPE})
    keys = Credentials(BOOTSTRAP.access_key_id, BOOTSTRAP.secret_access_key)
    SigV4Auth(keys, service, REGION).add_auth(request)
    prepared = request.prepare()
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in prepared.headers.items()
    )
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return read_reply(exchange(server.port, head.encode() + body))


@pytest.mark.parametrize(
    ("service", "body", "status"),
    [
        ("sts", b"Action=GetCallerIdentity&Version=2011-06-15", 200),
        ("iam", b"Action=GetUser&Version=2010-05-08&UserName=nobody", 404),
        ("iam", b"Action=ListUsers&Version=2010-05-08&MaxItems=0", 400),
    ],
)
def test_the_api_answers_alike_at_the_root_and_on_any_other_path(
    edge_server: IamdServer, service: str, body: bytes, status: int
) -> None:
    # "/" goes straight to the endpoint, other paths through the router: same bytes.
    replies = [_signed_reply(edge_server, path, body, service) for path in ("/", "/some/where")]
    heads = [_head_without_ids(reply) for reply in replies]
    assert heads[0] == heads[1]
    assert heads[0][0] == ("status", str(status))
    assert ("content-type", "text/xml; charset=utf-8") in heads[0]
    assert len({reply.headers["x-amzn-requestid"] for reply in replies}) == 2
    bodies = [REQUEST_ID.sub(b"", reply.body) for reply in replies]
    assert bodies[0] == bodies[1] and bodies[0].startswith(b"<")


REQUEST_ID = re.compile(rb"<RequestId>[^<]+</RequestId>")


def _head_without_ids(reply: RawReply) -> list[tuple[str, str]]:
    """Status and headers in order, less what differs by request and by second."""
    kept = [(name, value) for name, value in reply.headers.items() if name not in UNIQUE]
    return [("status", str(reply.status)), *kept]


UNIQUE = frozenset({"x-amzn-requestid", "date"})
