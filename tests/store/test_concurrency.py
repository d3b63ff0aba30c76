"""Concurrent requests never lose or duplicate a write: the database, not a
read-then-write race, keeps names unique case-insensitively."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError


def _create(iam: Any, name: str) -> str:
    try:
        iam.create_user(UserName=name)
        return "created"
    except ClientError as error:
        return str(error.response["Error"]["Code"])


def test_same_name_created_once(server: Any, account: Any) -> None:
    clients = [
        server.client("iam", account.access_key_id, account.secret_access_key) for _ in range(8)
    ]
    names = ["Racer", "racer", "RACER", "rAcEr"] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(
            pool.map(lambda pair: _create(clients[pair[0] % 8], pair[1]), enumerate(names))
        )
    assert outcomes.count("created") == 1
    assert set(outcomes) == {"created", "EntityAlreadyExists"}
    users = clients[0].list_users()["Users"]
    assert len(users) == 1


def test_distinct_names_all_created(server: Any, account: Any) -> None:
    clients = [
        server.client("iam", account.access_key_id, account.secret_access_key) for _ in range(8)
    ]
    names = [f"worker{i:03d}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(
            pool.map(lambda pair: _create(clients[pair[0] % 8], pair[1]), enumerate(names))
        )
    assert outcomes == ["created"] * len(names)
    listed = clients[0].get_paginator("list_users").paginate()
    assert sorted(u["UserName"] for page in listed for u in page["Users"]) == names
