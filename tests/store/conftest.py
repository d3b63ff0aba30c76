"""Fixtures of the store's tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamd import ids
from iamd.store import accounts
from iamd.store.database import Database


@pytest.fixture
def account_id(db: Database) -> str:
    """A new account in the test's own store."""
    account_id = ids.account_id()
    with db.transaction() as conn:
        accounts.create_account(
            conn,
            account_id=account_id,
            name="store-test",
            email=f"{account_id}@example.com",
            root_user_id=account_id,
            created_at=datetime.now(UTC),
        )
    return account_id
