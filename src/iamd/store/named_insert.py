"""A named entity's row, inserted unless its name is already taken in the account.

The unique (account_id, name_lower) constraint decides, through ``INSERT … ON
CONFLICT (account_id, name_lower) DO NOTHING`` (SQLite and PostgreSQL alike): the
count of rows inserted says whether the name was free. On PostgreSQL a create of the
same name still in flight is waited for, as the unique index made the insert wait
before. No error is raised, so there is no savepoint to take for recovering from one
(SAVEPOINT, INSERT, RELEASE were three statements), and the transaction stays usable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from iamd.store.prepared import Prepared, run_together


class NamedInsert:
    """The insert of one table with a unique (account_id, name_lower)."""

    def __init__(self, table: Table) -> None:
        taken = [table.c.account_id, table.c.name_lower]
        self._by_dialect = {
            "sqlite": Prepared(sqlite.insert(table).on_conflict_do_nothing(index_elements=taken)),
            "postgresql": Prepared(
                postgresql.insert(table).on_conflict_do_nothing(index_elements=taken)
            ),
        }
        # A prepared insert names every column: those a row leaves out take their
        # Python-side default, or NULL.
        self._defaults = {column.key: _scalar_default(column) for column in table.c}

    def inserted(
        self,
        conn: Connection,
        row: Mapping[str, Any],
        first: Sequence[tuple[Prepared, Mapping[str, Any]]] = (),
    ) -> bool:
        """Insert ``row``; False, with nothing written by it, when its name is taken.

        ``first``: writes to run before it, in the same round trip (`run_together`).
        """
        statement = self._by_dialect[conn.dialect.name]
        counts = run_together(conn, [*first, (statement, {**self._defaults, **row})])
        return counts[-1] == 1


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    return default.arg if isinstance(default, ScalarElementColumnDefault) else None
