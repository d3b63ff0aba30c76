"""Event history's filters: the query string of the page, as LookupEvents parameters.

In: the page's query (``attribute`` and ``value``: one lookup attribute, as AWS's
console offers; ``start``/``end``: ``datetime-local`` text, read as UTC; ``size``: events
per page; ``token``: the NextToken of the page before; ``back``, repeated: the tokens of
the pages before that, oldest first). Out: `Filters`, which gives the LookupEvents
parameters and the query strings of the pages before and after, the `Position` in the
chain of tokens, and the problems with what was typed, by field name.

LookupEvents only pages forward, as AWS's console does underneath; going back is the
console's: the tokens that led to a page ride in its links, so every page can be
bookmarked and no server state is kept. They are LookupEvents' own tokens, checked by
it (bound to the account and the query) when a link is followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from iamd.console.forms import Fields, whole_number

# LookupEvents' attribute keys, in the order and words of AWS's console.
ATTRIBUTES = (
    ("EventName", "Event name"),
    ("Username", "User name"),
    ("ResourceName", "Resource name"),
    ("ResourceType", "Resource type"),
    ("EventSource", "Event source"),
    ("AccessKeyId", "AWS access key"),
    ("ReadOnly", "Read-only"),
    ("EventId", "Event ID"),
)
PAGE_SIZES = (10, 25, 50)
DEFAULT_PAGE_SIZE = 50
# How many pages back the links remember: ~150 bytes a token keeps the longest link
# well inside a request line's limit. Beyond it, "Previous page" stops at the oldest
# page remembered; "Newest events" always goes to the first.
MAX_BACK = 40


@dataclass(frozen=True)
class Filters:
    attribute: str = ""  # a key of ATTRIBUTES, or "" for every event
    value: str = ""
    start: str = ""  # as typed
    end: str = ""
    size: int = DEFAULT_PAGE_SIZE

    @property
    def is_filtered(self) -> bool:
        return bool(self.attribute and self.value) or bool(self.start or self.end)

    def lookup_params(self, token: str = "") -> dict[str, Any]:
        """LookupEvents' parameters (the times already checked by `read_filters`)."""
        params: dict[str, Any] = {"MaxResults": self.size}
        if self.attribute and self.value:
            attribute = {"AttributeKey": self.attribute, "AttributeValue": self.value}
            params["LookupAttributes"] = [attribute]
        if self.start:
            params["StartTime"] = parse_time(self.start)
        if self.end:
            params["EndTime"] = parse_time(self.end)
        if token:
            params["NextToken"] = token
        return params

    def query_string(self, token: str = "", back: Sequence[str] = ()) -> str:
        """This page's filters as a query string, with a page's token and those before it."""
        fields = {
            "attribute": self.attribute,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "size": str(self.size),
            "token": token,
        }
        pairs = [(name, text) for name, text in fields.items() if text]
        return urlencode(pairs + [("back", earlier) for earlier in back])


@dataclass(frozen=True)
class Position:
    """A page's place in the chain of tokens: its own ("" for the newest events) and the
    tokens of the pages between the newest and it, oldest first."""

    token: str = ""
    back: tuple[str, ...] = ()

    @property
    def is_first(self) -> bool:
        return not self.token

    def next(self, next_token: str) -> Position:
        back = (*self.back, self.token) if self.token else self.back
        return Position(next_token, back[-MAX_BACK:])

    def previous(self) -> Position:
        if not self.back:
            return Position()
        return Position(self.back[-1], self.back[:-1])


def read_position(query: Fields) -> Position:
    """Where the page is, from its ``token`` and ``back`` fields."""
    token = query.get("token")
    back = tuple(earlier for earlier in query.getlist("back") if earlier)
    return Position(token, back[-MAX_BACK:]) if token else Position()


def read_filters(query: Fields) -> tuple[Filters, dict[str, str]]:
    """The filters as typed, and what is wrong with them (field name → message)."""
    keys = {key for key, _ in ATTRIBUTES}
    attribute = query.get("attribute")
    size = whole_number(query.get("size")) or DEFAULT_PAGE_SIZE
    filters = Filters(
        attribute=attribute if attribute in keys else "",
        value=query.stripped("value"),
        start=query.stripped("start"),
        end=query.stripped("end"),
        size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE,
    )
    problems = {}
    for name in ("start", "end"):
        text = getattr(filters, name)
        if text and parse_time(text) is None:
            problems[name] = "Enter a date and time, such as 2026-12-04T09:30."
    return filters, problems


def parse_time(text: str) -> datetime | None:
    """A ``datetime-local`` value (``2026-12-04T09:30``) as a UTC time, or None."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
