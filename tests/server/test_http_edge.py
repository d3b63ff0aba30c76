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

import pytest

from support import IamdServer, first_traceback, start_server

XML_ERROR = re.compile(rb"^<ErrorResponse xmlns=\"https://iam\.amazonaws\.com/doc/2010-05-08/\">")
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"


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
    reply = raw(edge_server, traffic)
    status_line, _, rest = reply.partition(b"\r\n")
    if status_line.startswith(b"HTTP/1.1 4") and b"text/xml" in rest.partition(b"\r\n\r\n")[0]:
        assert XML_ERROR.search(rest.partition(b"\r\n\r\n")[2])
    assert not status_line.startswith(b"HTTP/1.1 5"), reply[:300]
    assert answer(edge_server, "GET", "/healthz", None)[0] == 200


def test_the_log_of_all_that_holds_no_traceback(edge_server: IamdServer) -> None:
    # Runs last in this module: everything above has gone through the same server.
    assert edge_server.traceback() is None, edge_server.traceback()
