"""Lists for the console's tables: every item of an AWS list operation, searched, paged.

IAM's list operations page by marker; a console table wants a search box and numbered
pages. `all_items` follows the markers to the end (an account holds at most a few
thousand of anything), `search` keeps the items whose text contains the query, and
`paginate` cuts one numbered page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from iamd.console.actions import Actor
from iamd.console.forms import whole_number

T = TypeVar("T")

PAGE_SIZE = 20
MAX_PAGES = 100  # a bound on one listing's round trips, whatever a marker says


def all_items(
    act: Actor, operation: str, member: str, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every item of ``member`` across the operation's pages."""
    items: list[dict[str, Any]] = []
    request = {**(params or {}), "MaxItems": 1000}
    for _ in range(MAX_PAGES):
        output = act(operation, request)
        items.extend(output.get(member, []))
        if not output.get("IsTruncated"):
            break
        request["Marker"] = output["Marker"]
    return items


def search(items: Sequence[T], query: str, text_of: Callable[[T], str]) -> list[T]:
    """The items whose text contains ``query``, ignoring case (all of them for "")."""
    needle = query.strip().lower()
    return [item for item in items if needle in text_of(item).lower()]


@dataclass(frozen=True)
class Pagination(Generic[T]):
    items: Sequence[T]
    number: int  # 1-based
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.total else 0


def paginate(items: Sequence[T], requested: str, size: int = PAGE_SIZE) -> Pagination[T]:
    """Page ``requested`` (text from the query string) of ``items``, clamped to a real page."""
    pages = max(1, -(-len(items) // size))
    number = whole_number(requested) or 1
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Pagination(items[start : start + size], number, pages, len(items))
