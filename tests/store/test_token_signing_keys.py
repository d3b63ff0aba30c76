"""Outbound token signing keys: made on first use, rotated when old, published past retiring.

Runs on the store directly (SQLite here, PostgreSQL when IAMD_TEST_DATABASE_URL names one).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from iamd.store.database import Database
from iamd.store.sealing import Sealer
from iamd.store.token_signing_keys import (
    PUBLISH_RETIRED_FOR,
    ROTATE_AFTER,
    current_key,
    published_jwks,
)

START = datetime(2026, 12, 1, tzinfo=UTC)


SEALER = Sealer(secrets.token_bytes(32))


def _kids(db: Database, now: datetime) -> list[str]:
    with db.transaction(write=False) as conn:
        return [key["kid"] for key in published_jwks(conn, now)]


@pytest.mark.parametrize("algorithm", ["RS256", "ES384"])
def test_key_is_made_once_and_signs_verifiably(db: Database, algorithm: str) -> None:
    with db.transaction() as conn:
        first = current_key(conn, SEALER, algorithm, START)
        again = current_key(conn, SEALER, algorithm, START + timedelta(days=1))
    assert again.key_id == first.key_id
    with db.transaction(write=False) as conn:
        (published,) = published_jwks(conn, START)
    assert published["kid"] == first.key_id and published["alg"] == algorithm
    assert "d" not in published  # never the private part
    token = jwt.encode({"sub": "x"}, first.private_key, algorithm=algorithm)
    public_key = jwt.PyJWK(published).key
    assert jwt.decode(token, public_key, algorithms=[algorithm]) == {"sub": "x"}


def test_rotation_keeps_the_old_key_published_for_a_while(db: Database) -> None:
    with db.transaction() as conn:
        old = current_key(conn, SEALER, "RS256", START)
    rotated_at = START + ROTATE_AFTER
    with db.transaction() as conn:
        new = current_key(conn, SEALER, "RS256", rotated_at)
    assert new.key_id != old.key_id
    assert _kids(db, rotated_at) == [new.key_id, old.key_id]
    assert _kids(db, rotated_at + PUBLISH_RETIRED_FOR) == [new.key_id]


def test_private_key_is_sealed_to_its_id(db: Database) -> None:
    with db.transaction() as conn:
        key = current_key(conn, SEALER, "ES384", START)
    other = Sealer(secrets.token_bytes(32))
    with db.transaction() as conn, pytest.raises(Exception):  # noqa: B017 - InvalidTag
        current_key(conn, other, "ES384", START)
    assert key.key_id
