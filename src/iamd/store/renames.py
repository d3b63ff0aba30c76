"""Renaming and moving a named IAM entity (user, group, server certificate, …).

# INVARIANT: the table has ``id``, ``name``, ``name_lower`` and ``path`` columns, and a
# unique constraint on (account_id, name_lower), which refuses a rename onto a taken
# name even when two renames race.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Table, update
from sqlalchemy.exc import IntegrityError

from iamd.errors import ServiceError


def rename(
    conn: Connection,
    table: Table,
    entity_id: str,
    *,
    new_name: str | None,
    new_path: str | None,
    name_taken: Callable[[], ServiceError],
) -> bool:
    """Apply a new name and/or path; False when neither was given."""
    values: dict[str, str] = {}
    if new_name is not None:
        values.update(name=new_name, name_lower=new_name.lower())
    if new_path is not None:
        values["path"] = new_path
    if not values:
        return False
    try:
        with conn.begin_nested():
            conn.execute(update(table).where(table.c.id == entity_id).values(values))
    except IntegrityError:
        raise name_taken() from None
    return True
