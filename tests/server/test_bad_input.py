"""Bad input gets AWS's error and a 4xx, never a 500, and leaves the store unchanged.

Requests here are signed by botocore's own signer over raw bodies, so the body can be
anything a broken client (or an attacker) might send.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def send(
    server: Any,
    account: Any,
    body: bytes,
    *,
    service: str = "iam",
    method: str = "POST",
    query: str = "",
    sign: bool = True,
) -> tuple[int, str]:
    url = f"{server.endpoint}/" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": FORM})
    if sign:
        credentials = Credentials(account.access_key_id, account.secret_access_key)
        SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(
        prepared.url,
        data=body if method == "POST" else None,
        method=method,
        headers=dict(prepared.headers.items()),
    )
    try:
        with urllib.request.urlopen(raw, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def code_of(xml: str) -> str:
    match = re.search(r"<Code>([^<]+)</Code>", xml)
    assert match, xml
    return match.group(1)


@pytest.fixture
def users_before(iam: Any) -> list[str]:
    iam.create_user(UserName="keeper")
    return [u["UserName"] for u in iam.list_users()["Users"]]


BAD_BODIES = [
    pytest.param(b"Action=CreateUser&Version=2010-05-08&UserName=%FF%FE", id="invalid-utf8"),
    pytest.param(b"Action=CreateUser&Version=2010-05-08&UserName=a%ZZ", id="bad-percent-escape"),
    pytest.param(b"\x00\x01\x02garbage", id="binary-garbage"),
    pytest.param(b"Action=CreateUser&Version=2010-05-08", id="missing-required"),
    pytest.param(
        b"Action=CreateUser&Version=2010-05-08&UserName=\xc3\xa9l\xc3\xa8ve", id="unicode-name"
    ),
    pytest.param(b"Action=CreateUser&Version=2010-05-08&UserName=" + b"a" * 65, id="name-too-long"),
    pytest.param(
        b"Action=ListUsers&Version=2010-05-08&MaxItems=100000000000", id="absurd-maxitems"
    ),
    pytest.param(b"Action=ListUsers&Version=2010-05-08&MaxItems=ten", id="non-numeric-maxitems"),
    pytest.param(b"Action=NoSuchThing&Version=2010-05-08", id="unknown-action"),
    pytest.param(b"Version=2010-05-08", id="missing-action"),
    pytest.param(b"Action=CreateUser&Version=1999-01-01&UserName=x", id="wrong-version"),
    pytest.param(
        b"Action=CreateUser&Version=2010-05-08&UserName=x&Tags.member.1.Key=k",
        id="tag-without-value",
    ),
    pytest.param(
        b"Action=CreateUser&Version=2010-05-08&UserName=a&UserName=b", id="duplicate-parameter"
    ),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_bodies_get_4xx_and_change_nothing(
    server: Any, account: Any, iam: Any, users_before: list[str], body: bytes
) -> None:
    status, xml = send(server, account, body)
    assert 400 <= status < 500, xml
    assert "<ErrorResponse" in xml
    assert code_of(xml) != "InternalFailure"
    assert [u["UserName"] for u in iam.list_users()["Users"]] == users_before


def test_unknown_action_names_it(server: Any, account: Any) -> None:
    status, xml = send(server, account, b"Action=NoSuchThing&Version=2010-05-08")
    assert status == 400
    assert code_of(xml) == "InvalidAction"


def test_unknown_parameters_are_ignored_like_aws(server: Any, account: Any, iam: Any) -> None:
    body = b"Action=CreateUser&Version=2010-05-08&UserName=extra&NoSuchParameter=1"
    status, xml = send(server, account, body)
    assert status == 200, xml
    assert iam.get_user(UserName="extra")["User"]["UserName"] == "extra"


def test_oversize_body_is_refused(server: Any, account: Any) -> None:
    body = b"Action=CreateUser&Version=2010-05-08&UserName=big&Padding=" + b"x" * (13 * 1024 * 1024)
    status, _ = send(server, account, body)
    assert status == 413


def test_unsigned_request_is_refused(server: Any, account: Any) -> None:
    status, xml = send(server, account, b"Action=ListUsers&Version=2010-05-08", sign=False)
    assert status == 403
    assert code_of(xml) == "MissingAuthenticationToken"


def test_not_yet_implemented_operation_says_so(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operation a newer botocore models before iamd serves it answers 501 by name.

    Every modelled operation is served today, so the pipeline runs in process with one
    taken out of its table (an unsigned STS one, so no account is needed).
    """
    import secrets

    from iamd.auth.sigv4 import HttpRequest
    from iamd.clock import SystemClock
    from iamd.server import pipeline
    from iamd.store.database import Database, sqlite_url
    from iamd.store.sealing import Sealer

    without = {name: table for name, table in pipeline.OPERATIONS.items() if name != "sts"}
    monkeypatch.setattr(pipeline, "OPERATIONS", {**without, "sts": {}})
    db = Database(sqlite_url(str(tmp_path / "iamd.sqlite3")))
    db.migrate()
    server = pipeline.Server(db, Sealer(secrets.token_bytes(32)), SystemClock())
    body = (
        b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=s1"
        b"&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&WebIdentityToken=abcd"
    )
    request = HttpRequest("POST", "/", "", {"content-type": FORM}, body)
    answer = pipeline.handle(server, request)
    db.dispose()
    xml = answer.body.decode()
    assert answer.status == 501, xml
    assert code_of(xml) == "NotImplemented"
    assert "sts:AssumeRoleWithWebIdentity" in xml


def test_get_with_query_string_works(server: Any, account: Any) -> None:
    status, xml = send(
        server, account, b"", method="GET", query="Action=ListUsers&Version=2010-05-08"
    )
    assert status == 200, xml
    assert "<ListUsersResult>" in xml
