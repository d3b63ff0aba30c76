"""A write that finds another thread writing waits as a coroutine: reads go on meanwhile.

On SQLite one transaction writes at a time, and the audit trail's batch takes that
lock on a thread of its own a few times a second. A write request that found it
taken used to wait on the event loop's thread, so every connection of the process
waited with it. Here another thread holds a write transaction open, as a batch does,
and the API answers through its ASGI app: a read sent after a waiting write is
answered at once, and the write once the other thread commits.

SQLite's behaviour (PostgreSQL has no writers' lock), so the store is SQLite
whichever store the suite runs on.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from iamd.accounts import RootCredential, create_account
from iamd.clock import SystemClock
from iamd.server.app import create_app
from iamd.server.pipeline import Server
from iamd.store.database import Database, sqlite_url
from iamd.store.sealing import Sealer, load_master_key
from support import REGION

HOST = "127.0.0.1:4599"
Sent = tuple[dict[str, Any], bytes]  # an ASGI scope and its body


def signed(root: RootCredential, **form: str) -> Sent:
    body = urlencode({**form, "Version": "2010-05-08"})
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url=f"http://{HOST}/", data=body, headers=headers)
    keys = Credentials(root.access_key_id, root.secret_access_key)
    SigV4Auth(keys, "iam", REGION).add_auth(request)
    prepared = request.prepare()
    sent_headers = [
        (name.lower().encode(), value.encode()) for name, value in prepared.headers.items()
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", HOST.encode()), *sent_headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4599),
    }
    return scope, body.encode()


async def answered(app: Any, sent: Sent) -> tuple[int, bytes]:
    scope, body = sent
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return messages[0]["status"], b"".join(m.get("body", b"") for m in messages[1:])


def test_reads_are_answered_while_a_write_waits_for_another_thread(tmp_path: Path) -> None:
    db = Database(sqlite_url(str(tmp_path / "iamd.sqlite3")))
    db.migrate()
    sealer = Sealer(load_master_key(tmp_path))
    server = Server(db=db, sealer=sealer, clock=SystemClock())
    root = create_account(db, sealer, server.clock, email="loop@example.com")
    app = create_app(server)
    holding, let_go = threading.Event(), threading.Event()

    def batch() -> None:  # as the trail's: a write transaction on a thread of its own
        with db.transaction():
            holding.set()
            let_go.wait(10)

    async def requests() -> None:
        write = asyncio.create_task(answered(app, signed(root, Action="CreateUser", UserName="w")))
        await asyncio.sleep(0.2)
        assert not write.done(), "the write went ahead of the other thread's transaction"
        status, body = await asyncio.wait_for(answered(app, signed(root, Action="ListUsers")), 5)
        assert status == 200 and b"<ListUsersResult>" in body
        assert not write.done()
        let_go.set()
        status, body = await asyncio.wait_for(write, 10)
        assert status == 200 and b"<UserName>w</UserName>" in body
        status, body = await answered(app, signed(root, Action="GetUser", UserName="w"))
        assert status == 200 and b"<UserName>w</UserName>" in body

    # The key's first use is written down (last used): not while the other thread holds
    # the lock, or the read would be a write too.
    assert asyncio.run(answered(app, signed(root, Action="ListUsers")))[0] == 200
    other = threading.Thread(target=batch)
    other.start()
    try:
        assert holding.wait(5)
        asyncio.run(requests())
    finally:
        let_go.set()
        other.join(10)
        db.dispose()
