"""Keyset pagination: AWS's opaque ``Marker`` as the sort key of the last item sent.

A marker that names a position by key, not by offset, stays correct while other
requests insert and delete: the next page starts after that key, whatever moved.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Select, Table, bindparam

from iamd.errors import ValidationError
from iamd.protocol.characters import is_xml_text
from iamd.store.prepared import Prepared

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_marker: str | None

    @property
    def is_truncated(self) -> bool:
        return self.next_marker is not None


def encode_marker(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode()


def decode_marker(marker: str | None) -> str | None:
    """The sort key a marker names; a marker we did not issue is the caller's error."""
    if marker is None:
        return None
    try:
        sort_key = base64.urlsafe_b64decode(marker.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("Invalid Marker.") from None
    # The keys we issue are names; one holding U+0000 would reach (and fail) the query.
    if not is_xml_text(sort_key):
        raise ValidationError("Invalid Marker.")
    return sort_key


def page_of(rows: Sequence[T], limit: int, sort_key_of: Callable[[T], str]) -> Page[T]:
    """Cut a page from rows fetched with ``limit + 1``: the extra row proves there is more."""
    if len(rows) <= limit:
        return Page(rows, None)
    kept = rows[:limit]
    return Page(kept, encode_marker(sort_key_of(kept[-1])))


def page_by_name(
    conn: Connection,
    query: Select[Any],
    table: Table,
    to_item: Callable[[Any], T],
    *,
    params: Mapping[str, Any],
    marker: str | None,
    limit: int,
    path_prefix: str = "/",
) -> Page[T]:
    """One page of a query over a named entity's table, by name, optionally under a path.

    ``query`` is built once by its caller, with bound parameters whose values are
    ``params``: listings run on many requests, and building and compiling a statement
    per request costs more than running it.

    # INVARIANT: the table has ``name_lower`` and ``path`` columns (every IAM entity does).
    """
    after = decode_marker(marker)
    statement = _page_statement(query, table, path_prefix != "/", after is not None)
    values = {**params, "page_limit": limit + 1}
    if path_prefix != "/":
        values["path_like"] = _escape_like(path_prefix) + "%"
    if after is not None:
        values["page_after"] = after
    rows = statement.rows(conn, values)
    next_marker = encode_marker(rows[limit - 1].name_lower) if len(rows) > limit else None
    return Page([to_item(row) for row in rows[:limit]], next_marker)


# Listings are module constants, four shapes each; more means a query built per call.
_MAX_STATEMENTS = 256
# A listing's statement per shape: (its query, under a path?, after a marker?).
_statements: dict[tuple[int, bool, bool], tuple[Select[Any], Prepared]] = {}


def _page_statement(
    query: Select[Any], table: Table, under_path: bool, after_marker: bool
) -> Prepared:
    key = (id(query), under_path, after_marker)
    built = _statements.get(key)
    if built is not None and built[0] is query:
        return built[1]
    statement = query
    if under_path:
        statement = statement.where(table.c.path.like(bindparam("path_like"), escape=_ESCAPE))
    if after_marker:
        statement = statement.where(table.c.name_lower > bindparam("page_after"))
    statement = statement.order_by(table.c.name_lower).limit(bindparam("page_limit"))
    if len(_statements) >= _MAX_STATEMENTS:  # a caller building its query per call
        _statements.clear()
    # The query is kept beside its statement so that its id is never reused.
    prepared = Prepared(statement)
    _statements[key] = (query, prepared)
    return prepared


_ESCAPE = "/"


def _escape_like(text: str) -> str:
    """``text`` matched literally by LIKE: its wildcards and the escape escaped."""
    for special in (_ESCAPE, "%", "_"):
        text = text.replace(special, _ESCAPE + special)
    return text
