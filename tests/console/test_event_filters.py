"""Event history's filters: what was typed, read as LookupEvents parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

from iamd.console.event_filters import (
    DEFAULT_PAGE_SIZE,
    MAX_BACK,
    Filters,
    Position,
    parse_time,
    read_filters,
    read_position,
)
from iamd.console.forms import parse_fields


def test_one_attribute_with_a_value_becomes_the_lookup_attribute() -> None:
    filters, problems = read_filters(parse_fields("attribute=Username&value=+alice+&size=10"))
    assert problems == {}
    assert filters.lookup_params() == {
        "MaxResults": 10,
        "LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": "alice"}],
    }


def test_an_attribute_without_a_value_or_an_unknown_one_filters_nothing() -> None:
    for query in ("attribute=EventName", "attribute=Nonsense&value=x"):
        filters, _ = read_filters(parse_fields(query))
        assert "LookupAttributes" not in filters.lookup_params()
        assert not filters.is_filtered


def test_times_are_read_as_utc_and_a_bad_one_is_a_problem_at_its_field() -> None:
    filters, problems = read_filters(parse_fields("start=2026-12-04T09:30&end=tomorrow"))
    assert problems == {"end": "Enter a date and time, such as 2026-12-04T09:30."}
    assert parse_time(filters.start) == datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    assert parse_time("2026-12-04T10:30+01:00") == datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def test_an_unoffered_page_size_falls_back_to_the_default() -> None:
    filters, _ = read_filters(parse_fields("size=1000"))
    assert filters.size == DEFAULT_PAGE_SIZE


def test_the_next_page_keeps_the_filters_and_carries_the_token() -> None:
    filters = Filters(attribute="EventName", value="DeleteRole", size=25)
    assert parse_qs(filters.query_string("abc=")) == {
        "attribute": ["EventName"],
        "value": ["DeleteRole"],
        "size": ["25"],
        "token": ["abc="],
    }
    assert filters.lookup_params("abc=")["NextToken"] == "abc="


def test_a_page_remembers_the_tokens_that_led_to_it() -> None:
    first = read_position(parse_fields("attribute=EventName&value=x"))
    assert first == Position() and first.is_first
    second = first.next("t2")
    third = second.next("t3")
    assert third == Position("t3", ("t2",))
    assert third.previous() == second and second.previous() == first
    assert first.previous() == first  # nothing before the newest events
    link = Filters(attribute="EventName", value="x").query_string(third.token, third.back)
    assert read_position(parse_fields(link)) == third
    assert read_filters(parse_fields(link))[0] == Filters(attribute="EventName", value="x")


def test_back_tokens_without_a_token_of_their_own_are_the_first_page() -> None:
    assert read_position(parse_fields("back=t2&back=t3")) == Position()


def test_the_links_remember_a_bounded_number_of_pages_back() -> None:
    position = Position()
    for number in range(MAX_BACK + 5):
        position = position.next(f"t{number}")
    assert len(position.back) == MAX_BACK and position.token == f"t{MAX_BACK + 4}"
    assert position.previous().token == f"t{MAX_BACK + 3}"
    crafted = "&".join(f"back=b{n}" for n in range(MAX_BACK * 3))
    assert len(read_position(parse_fields(f"token=t&{crafted}")).back) == MAX_BACK
