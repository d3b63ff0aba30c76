"""The ceiling: the irreducible work of a signed request, served by the same uvicorn.

Parse the form, verify SigV4 with iamd's own verifier, look the answer up in a dict,
write the XML. No store, no authorization, no model-driven serialization: whatever
iamd spends beyond this is its own overhead. Keys come from the environment
(``CEILING_KEY_ID``, ``CEILING_SECRET``). With ``CEILING_DB`` (a SQLite file), a write
(``TagUser``, ``AttachUserPolicy`` and the other writes the benches send) is the
durable-commit ceiling: one row inserted and committed with synchronous=FULL in WAL
mode, as iamd commits, per request. With ``CEILING_PG_URL`` instead, that row is committed to
PostgreSQL (one statement in autocommit, one round trip: the least a write there
costs).
"""

from __future__ import annotations

import os
import sqlite3
import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from iamd.auth.sigv4 import HttpRequest, read_signature, verify_signature
from iamd.protocol import decode_form

SECRETS = {os.environ.get("CEILING_KEY_ID", ""): os.environ.get("CEILING_SECRET", "")}
ANSWERS = {
    "GetCallerIdentity": (
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bench</Arn>"
        b"<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
        b"</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>"
        b"</ResponseMetadata></GetCallerIdentityResponse>"
    ),
    "GetUser": (
        b'<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>'
        b"<User><Path>/</Path><UserName>bench</UserName><UserId>AIDAEXAMPLE</UserId>"
        b"<Arn>arn:aws:iam::123456789012:user/bench</Arn>"
        b"<CreateDate>2026-12-04T00:00:00Z</CreateDate></User></GetUserResult>"
        b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetUserResponse>"
    ),
    "TagUser": (
        b'<TagUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></TagUserResponse>"
    ),
}
ANSWERS["ListUsers"] = ANSWERS["GetUser"]
for _write in ("AttachUserPolicy", "DetachUserPolicy", "DeleteUser"):
    ANSWERS[_write] = ANSWERS["TagUser"].replace(b"TagUser", _write.encode())
ANSWERS["CreateUser"] = (
    ANSWERS["GetUser"]
    .replace(b"GetUser", b"CreateUser")
    .replace(
        b"</CreateDate>",
        b"</CreateDate><Tags><member><Key>team</Key><Value>blue</Value></member>"
        b"<member><Key>cost-center</Key><Value>42</Value></member></Tags>",
    )
)
WRITES = frozenset({"TagUser", "AttachUserPolicy", "DetachUserPolicy", "CreateUser", "DeleteUser"})
_local = threading.local()


def _commit_one(action: str) -> None:
    """One row, committed durably: what a write costs at the least."""
    if os.environ.get("CEILING_PG_URL"):
        _commit_one_to_postgres(action)
        return
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(os.environ["CEILING_DB"], isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS writes (action TEXT)")
        _local.conn = conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO writes VALUES (?)", (action,))
    conn.execute("COMMIT")


def _commit_one_to_postgres(action: str) -> None:
    import psycopg

    conn = getattr(_local, "pg", None)
    if conn is None:
        # (its table made by write_bench: CREATE TABLE IF NOT EXISTS races on PostgreSQL)
        conn = psycopg.connect(os.environ["CEILING_PG_URL"], autocommit=True)
        _local.pg = conn
    conn.execute("INSERT INTO writes VALUES (%s)", (action,))


async def endpoint(request: Request) -> Response:
    body = await request.body()
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]}
    http = HttpRequest("POST", request.scope["path"], "", headers, body)
    signed = read_signature(http)
    form = dict(decode_form(body))
    if signed is None or signed.access_key_id not in SECRETS:
        return Response(b"<Error/>", status_code=403)
    verify_signature(http, signed, SECRETS[signed.access_key_id])
    if form["Action"] in WRITES and (
        os.environ.get("CEILING_DB") or os.environ.get("CEILING_PG_URL")
    ):
        _commit_one(form["Action"])
    return Response(ANSWERS[form["Action"]], media_type="text/xml")


app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST"])])
