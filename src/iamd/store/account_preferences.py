"""Account-wide preferences: named string values, one row per (account, name).

In: an account id and names such as ``sts/GlobalEndpointTokenVersion`` or, for
PutAccountProperties, ``property:<Namespace>/<PropertyName>``. Out: the stored strings.
A name's prefix says who owns it, so account properties never see iamd's own settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.store.schema import account_preferences

_TABLE = account_preferences.c


def read_preferences(conn: Connection, account_id: str, prefix: str) -> dict[str, str]:
    """Every preference whose name starts with ``prefix``, keyed without the prefix."""
    query = select(_TABLE.name, _TABLE.value).where(
        _TABLE.account_id == account_id, _TABLE.name.startswith(prefix, autoescape=True)
    )
    return {str(name).removeprefix(prefix): str(value) for name, value in conn.execute(query)}


def find_preference(conn: Connection, account_id: str, name: str) -> str | None:
    query = select(_TABLE.value).where(_TABLE.account_id == account_id, _TABLE.name == name)
    value = conn.execute(query).scalar_one_or_none()
    return str(value) if value is not None else None


def write_preferences(
    conn: Connection, account_id: str, values: Mapping[str, str], when: datetime
) -> None:
    """Set each name to its value, replacing what was there.

    An update first; where there was nothing, an insert, which a concurrent writer of
    the same name may beat (the primary key refuses the second): then update after all.
    """
    for name, value in values.items():
        owned = (_TABLE.account_id == account_id, _TABLE.name == name)
        changes = {"value": value, "updated_at": when}
        if conn.execute(update(account_preferences).where(*owned).values(changes)).rowcount:
            continue
        row = {"account_id": account_id, "name": name, **changes}
        try:
            with conn.begin_nested():
                conn.execute(insert(account_preferences).values(row))
        except IntegrityError:
            conn.execute(update(account_preferences).where(*owned).values(changes))
