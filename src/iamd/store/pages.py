"""Keyset pagination: AWS's opaque ``Marker`` as the sort key of the last item sent.

A marker that names a position by key, not by offset, stays correct while other
requests insert and delete: the next page starts after that key, whatever moved.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Select, Table

from iamd.errors import ValidationError
from iamd.protocol.characters import is_xml_text

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
    marker: str | None,
    limit: int,
    path_prefix: str = "/",
) -> Page[T]:
    """One page of a query over a named entity's table, by name, optionally under a path.

    # INVARIANT: the table has ``name_lower`` and ``path`` columns (every IAM entity does).
    """
    after = decode_marker(marker)
    if path_prefix != "/":
        query = query.where(table.c.path.startswith(path_prefix, autoescape=True))
    if after is not None:
        query = query.where(table.c.name_lower > after)
    rows = conn.execute(query.order_by(table.c.name_lower).limit(limit + 1)).all()
    next_marker = encode_marker(rows[limit - 1].name_lower) if len(rows) > limit else None
    return Page([to_item(row) for row in rows[:limit]], next_marker)
