"""Hot statements compiled once per dialect and run through the driver.

A handful of statements run on nearly every request (the named user, its tags) or
every write of a kind (a tag's new value).
SQLAlchemy's per-execution machinery — an execution context, events, a result
object — costs several times the query itself on SQLite. `Prepared` keeps what
that machinery would work out each time (the SQL text, the order of its parameters,
each column's result conversion) and does only the rest.

On PostgreSQL they go through psycopg's libpq wrapper rather than a cursor (`libpq`).

A parameter whose type converts values on the way in (a time, on SQLite, is stored as
text) is converted by that type's own processor, as SQLAlchemy would. Selects give
rows (`rows`, `first`); an insert, update or delete without RETURNING is `run`.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from iamd.store import libpq

Processor = Callable[[Any], Any] | None
Statement = Select[Any] | Insert | Update | Delete


@dataclass(frozen=True)
class _Compiled:
    sql: str
    parameter_names: tuple[str, ...] | None  # None: the driver takes named parameters
    processors: tuple[Processor, ...]
    row_type: type[tuple[Any, ...]]
    # Values the statement itself holds (SQLite's OFFSET 0 beside a bound LIMIT).
    defaults: dict[str, Any]
    # The parameters whose values the driver takes only once converted, if any.
    converters: dict[str, Callable[[Any], Any]]


class Prepared:
    """A statement, its compiled form remembered per dialect."""

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, conn: Connection, parameters: Mapping[str, Any]) -> list[Any]:
        """The rows, each with the columns as attributes (like SQLAlchemy's rows)."""
        compiled = self._for(conn.dialect)
        fetched = _execute(conn, compiled, parameters, lambda cursor: cursor.fetchall())
        return [_converted(compiled, row) for row in fetched]

    def run(self, conn: Connection, parameters: Mapping[str, Any]) -> int:
        """Run an insert, update or delete; the number of rows it changed."""
        compiled = self._for(conn.dialect)
        changed: int = _execute(conn, compiled, parameters, lambda cursor: cursor.rowcount)
        return changed

    def first(self, conn: Connection, parameters: Mapping[str, Any]) -> Any | None:
        found = self.rows(conn, parameters)
        return found[0] if found else None

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            with self._lock:
                compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled


def run_together(conn: Connection, runs: Sequence[tuple[Prepared, Mapping[str, Any]]]) -> list[int]:
    """Run inserts, updates or deletes in order (on PostgreSQL in one round trip); the
    number of rows each changed. The first to fail raises, and none after it runs."""
    if conn.dialect.name != "postgresql":
        return [prepared.run(conn, parameters) for prepared, parameters in runs]
    statements = []
    for prepared, parameters in runs:
        compiled = prepared._for(conn.dialect)
        statements.append((compiled.sql, _driver_values(compiled, parameters)))
    with raised_as_sqlalchemy(conn, statements):
        fetched = libpq.execute_all(_dbapi(conn), conn.connection.info, statements)
    return [outcome.rowcount for outcome in fetched]


def _execute(
    conn: Connection,
    compiled: _Compiled,
    parameters: Mapping[str, Any],
    outcome: Callable[[Any], Any],
) -> Any:
    """Execute on a cursor of the connection's driver; ``outcome`` reads the cursor."""
    return on_driver(conn, compiled.sql, _driver_values(compiled, parameters), outcome)


def _driver_values(compiled: _Compiled, parameters: Mapping[str, Any]) -> Any:
    """The parameters as the driver takes them: converted, and ordered if positional."""
    given = {**compiled.defaults, **parameters} if compiled.defaults else parameters
    if compiled.converters:
        given = {
            name: value if value is None or name not in compiled.converters
            else compiled.converters[name](value)
            for name, value in given.items()
        }  # fmt: skip
    if compiled.parameter_names is None:
        return given
    return tuple(given[name] for name in compiled.parameter_names)


def on_driver(
    conn: Connection, sql: str, values: Any, outcome: Callable[[Any], Any] = lambda _: None
) -> Any:
    """Execute SQL in the driver's own form on the connection's driver; ``outcome``
    reads the cursor (on PostgreSQL, `libpq.Fetched`, read the same way)."""
    with raised_as_sqlalchemy(conn, [(sql, values)]):
        if conn.dialect.name == "postgresql":
            return outcome(libpq.execute(_dbapi(conn), conn.connection.info, sql, values))
        cursor = _dbapi(conn).cursor()
        try:
            cursor.execute(sql, values)
            return outcome(cursor)
        finally:
            cursor.close()


@contextmanager
def raised_as_sqlalchemy(
    conn: Connection, statements: Sequence[tuple[str, Any]] = ()
) -> Iterator[None]:
    """A driver error raised as SQLAlchemy would raise it, so that a lost race (a
    refused constraint, a deadlock PostgreSQL broke) is still told apart from a fault
    where transactions are handled; it names the statements that ran."""
    driver_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except driver_error as error:
        if len(statements) <= 1:
            sql, values = statements[0] if statements else (None, None)
        else:
            sql, values = ";\n".join(sql for sql, _ in statements), [v for _, v in statements]
        raise DBAPIError.instance(sql, values, error, driver_error) from error


def _dbapi(conn: Connection) -> Any:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    return dbapi


def _converted(compiled: _Compiled, row: Any) -> Any:
    values = [
        value if process is None or value is None else process(value)
        for process, value in zip(compiled.processors, row, strict=True)
    ]
    return compiled.row_type(*values)


def _compile(statement: Statement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    converters: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            converters[name] = convert
    if not isinstance(statement, Select) and statement._returning:
        raise TypeError("a statement with RETURNING gives rows: run it through SQLAlchemy")
    columns = list(statement.selected_columns) if isinstance(statement, Select) else []
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    positional = compiled.positiontup if dialect.positional else None
    row_type = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
    names = compiled.bind_names
    defaults = {name: bind.effective_value for bind, name in names.items() if not bind.required}
    return _Compiled(
        sql=compiled.string,
        parameter_names=tuple(positional) if positional is not None else None,
        processors=processors,
        row_type=row_type,
        defaults=defaults,
        converters=converters,
    )
