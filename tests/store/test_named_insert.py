"""A named entity's insert says whether its name was free (`iamd.store.named_insert`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from iamd import ids
from iamd.store.database import Database
from iamd.store.named_insert import NamedInsert
from iamd.store.schema import groups


def test_a_taken_name_inserts_nothing_and_the_transaction_goes_on(
    db: Database, account_id: str
) -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    named = NamedInsert(groups)

    def group(name: str) -> dict[str, object]:
        return {"id": ids.entity_id(ids.GROUP), "account_id": account_id, "name": name,
                "name_lower": name.lower(), "path": "/", "created_at": now}  # fmt: skip

    with db.transaction() as conn:
        assert named.inserted(conn, group("Admins"))
        assert not named.inserted(conn, group("ADMINS"))  # names are case-insensitive
        assert named.inserted(conn, group("Readers"))  # (on PostgreSQL: not aborted)
    with db.transaction(write=False) as conn:
        names = conn.execute(
            select(groups.c.name).where(groups.c.account_id == account_id).order_by(groups.c.name)
        ).scalars()
        assert list(names) == ["Admins", "Readers"]
        total = conn.execute(select(func.count()).select_from(groups)).scalar_one()
        assert total == 2
