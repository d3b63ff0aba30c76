"""Statements run on a psycopg connection through its libpq wrapper, not its cursors.

A round trip through a psycopg cursor costs about twice the client CPU of the same
statement sent through `psycopg.pq` (the cursor's query conversion, its generator
and wait machinery, its result object), and a write made four or five of them. Here
the same pieces do the same work: psycopg's own adapters dump the parameters and load
the rows (`Transformer`, as a cursor would with ``%s``), the error of a failed
statement is the one psycopg would raise (`error_from_result`), and the connection's
transaction state stays libpq's, which psycopg reads before each of its own
statements and at commit and rollback.

Each statement is prepared on the server at its first use on a connection, keyed
like psycopg's by its text and its parameters' types. psycopg itself must prepare
none (``prepare_threshold=None``): when it holds any, its rollback deallocates every
statement on the connection, these too.

A statement that begins a transaction (the connection is not in autocommit and not
yet in one) sends psycopg's implicit BEGIN in the same round trip, pipelined; so do
statements run together (`execute_all`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg.abc
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.errors import error_from_result

# Statements prepared on one connection, at most; others run unprepared.
MAX_PREPARED = 200
_PLACEHOLDER = re.compile(rb"%\((\w+)\)s|%s|%%")
_OK = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
_IDLE = pq.TransactionStatus.IDLE
_STATE = "iamd_libpq"  # where `_state` keeps a connection's, in its pool record's info
_PIPELINES = pq.version() >= 140000

Values = Sequence[Any] | Mapping[str, Any]


@dataclass(frozen=True)
class Fetched:
    """A statement's outcome, read as from a DB-API cursor."""

    rows: list[tuple[Any, ...]]
    rowcount: int

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


@dataclass(frozen=True)
class _Send:
    """A statement ready to send: its prepared name (None: unprepared), its text, and
    its parameters as dumped."""

    name: bytes | None
    sql: bytes
    dumped: Sequence[Any]
    types: tuple[int, ...]
    formats: list[pq.Format]


@dataclass(frozen=True)
class _Numbered:
    """SQL in the driver's ``%(name)s`` or ``%s`` form, numbered as PostgreSQL's ``$n``."""

    sql: bytes
    names: tuple[str, ...] | None  # the parameters by number; None: given in order


class _Connection:
    """What one psycopg connection keeps: its transformer and its prepared statements."""

    def __init__(self, dbapi: psycopg.Connection[Any]) -> None:
        self.pgconn = dbapi.pgconn
        self.transformer: psycopg.abc.Transformer = Transformer(dbapi)
        self.prepared: dict[tuple[bytes, tuple[int, ...]], bytes] = {}


_numbered: dict[str, _Numbered] = {}
_numbered_lock = threading.Lock()


def execute(
    dbapi: psycopg.Connection[Any],
    info: dict[str, Any],
    sql: str,
    values: Values,
) -> Fetched:
    """Run ``sql`` with ``values`` on ``dbapi``; ``info`` is its pool record's info."""
    return execute_all(dbapi, info, [(sql, values)])[0]


def execute_all(
    dbapi: psycopg.Connection[Any],
    info: dict[str, Any],
    statements: Sequence[tuple[str, Values]],
) -> list[Fetched]:
    """Run statements in order in one round trip, each one's outcome.

    The first to fail raises its error, and PostgreSQL skips those after it.
    """
    state = _state(dbapi, info)
    sends = [_send_of(state, sql, values) for sql, values in statements]
    begin = not dbapi.autocommit and state.pgconn.transaction_status == _IDLE
    if len(sends) == 1 and not begin:
        results = [_run(state.pgconn, sends[0])]
    elif _PIPELINES:
        results = _pipelined(state.pgconn, begin, sends)
    else:
        results = _one_by_one(state.pgconn, begin, sends)
    for result in results:
        if result.status not in _OK:
            raise error_from_result(result, encoding=dbapi.info.encoding)
    return [_fetched(state.transformer, result) for result in results]


def commit(dbapi: psycopg.Connection[Any]) -> None:
    """Commit the connection's transaction, if it is in one.

    A failed one (a statement's error swallowed without a savepoint) is rolled back
    and raises, where psycopg's commit would roll it back in silence: what a caller
    is told was committed must be.
    """
    pgconn = dbapi.pgconn
    status = pgconn.transaction_status
    if status == _IDLE:
        return
    if status == pq.TransactionStatus.INERROR:
        _check(pgconn.exec_(b"ROLLBACK"))
        raise psycopg.errors.InFailedSqlTransaction("a failed transaction was rolled back")
    result = pgconn.exec_(b"COMMIT")
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise error_from_result(result, encoding=dbapi.info.encoding)


def _state(dbapi: psycopg.Connection[Any], info: dict[str, Any]) -> _Connection:
    state: _Connection | None = info.get(_STATE)
    if state is None or state.pgconn is not dbapi.pgconn:
        if dbapi.prepare_threshold is not None:
            raise RuntimeError("connect with prepare_threshold=None: psycopg would deallocate")
        state = info[_STATE] = _Connection(dbapi)
    return state


def _prepared_name(state: _Connection, sql: bytes, types: tuple[int, ...]) -> bytes | None:
    """The statement's name on the server, prepared now if it is new; None once the
    connection holds `MAX_PREPARED`."""
    key = (sql, types)
    name = state.prepared.get(key)
    if name is not None or len(state.prepared) >= MAX_PREPARED:
        return name
    name = b"iamd_%d" % len(state.prepared)
    result = state.pgconn.prepare(name, sql, types)
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise error_from_result(result)  # the statement's own error, found parsing it
    state.prepared[key] = name
    return name


def _send_of(state: _Connection, sql: str, values: Values) -> _Send:
    numbered = _numbered.get(sql) or _number(sql)
    if numbered.names is not None:
        assert isinstance(values, Mapping)
        values = [values[name] for name in numbered.names]
    assert not isinstance(values, Mapping)
    transformer = state.transformer
    dumped = transformer.dump_sequence(values, [PyFormat.AUTO] * len(values))
    formats = list(transformer.formats or ())
    types = tuple(transformer.types or ())
    name = _prepared_name(state, numbered.sql, types)
    return _Send(name, numbered.sql, dumped, types, formats)


def _fetched(transformer: psycopg.abc.Transformer, result: pq.abc.PGresult) -> Fetched:
    rows: list[tuple[Any, ...]] = []
    if result.status == pq.ExecStatus.TUPLES_OK:
        transformer.set_pgresult(result)
        rows = transformer.load_rows(0, result.ntuples, tuple)
        transformer.set_pgresult(None)
    counted = result.command_tuples
    return Fetched(rows, -1 if counted is None else counted)


def _run(pgconn: pq.abc.PGconn, send: _Send) -> pq.abc.PGresult:
    if send.name is None:
        return pgconn.exec_params(send.sql, send.dumped, send.types, send.formats)
    return pgconn.exec_prepared(send.name, send.dumped, send.formats)


def _one_by_one(
    pgconn: pq.abc.PGconn, begin: bool, sends: Sequence[_Send]
) -> list[pq.abc.PGresult]:
    """Without pipelines (libpq before 14): a round trip each, up to the first failure."""
    if begin:
        _check(pgconn.exec_(b"BEGIN"))
    results = []
    for send in sends:
        results.append(_run(pgconn, send))
        if results[-1].status not in _OK:
            break
    return results


def _pipelined(pgconn: pq.abc.PGconn, begin: bool, sends: Sequence[_Send]) -> list[pq.abc.PGresult]:
    """The statements' results, sent in one pipeline (after BEGIN if ``begin``)."""
    pgconn.enter_pipeline_mode()
    try:
        if begin:
            pgconn.send_query_params(b"BEGIN", None)
        for send in sends:
            if send.name is None:
                pgconn.send_query_params(send.sql, send.dumped, send.types, send.formats)
            else:
                pgconn.send_query_prepared(send.name, send.dumped, send.formats)
        pgconn.pipeline_sync()
        results = _results_until_sync(pgconn)
    finally:
        if pgconn.pipeline_status != pq.PipelineStatus.OFF:
            pgconn.exit_pipeline_mode()
    if len(results) != len(sends) + begin:
        raise psycopg.OperationalError(f"the server ended the pipeline: {_message(pgconn)}")
    if begin:
        _check(results.pop(0))
    return results


def _check(result: pq.abc.PGresult) -> None:
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise error_from_result(result)


def _results_until_sync(pgconn: pq.abc.PGconn) -> list[pq.abc.PGresult]:
    """Each command's result up to the pipeline's sync (which libpq ends with None)."""
    results: list[pq.abc.PGresult] = []
    ended = False
    while True:
        result = pgconn.get_result()
        if result is None:
            if ended:  # nothing more will come: the connection failed
                raise psycopg.OperationalError(f"the pipeline ended: {_message(pgconn)}")
            ended = True  # the end of one command's results
            continue
        ended = False
        if result.status == pq.ExecStatus.PIPELINE_SYNC:
            return results
        results.append(result)


def _message(pgconn: pq.abc.PGconn) -> str:
    return pgconn.error_message.decode(errors="replace")


def _number(sql: str) -> _Numbered:
    names: list[str] = []
    positional = 0

    def number(match: re.Match[bytes]) -> bytes:
        nonlocal positional
        if match.group(0) == b"%%":
            return b"%"
        if match.group(1) is None:
            positional += 1
            return b"$%d" % positional
        name = match.group(1).decode()
        if name not in names:
            names.append(name)
        return b"$%d" % (names.index(name) + 1)

    numbered_sql = _PLACEHOLDER.sub(number, sql.encode())
    if names and positional:
        raise ValueError("a statement takes named or positional parameters, not both")
    numbered = _Numbered(numbered_sql, tuple(names) if names else None)
    with _numbered_lock:
        _numbered[sql] = numbered
    return numbered
