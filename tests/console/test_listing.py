"""Console tables: search across every page, numbered pages cut from the result."""

from __future__ import annotations

from iamd.console.listing import paginate, search


def test_search_ignores_case_and_keeps_everything_for_an_empty_query() -> None:
    names = ["Admin", "alice", "bob"]
    assert search(names, "AL", str) == ["alice"]
    assert search(names, "  ", str) == names


def test_pages_are_numbered_from_one_and_clamped() -> None:
    items = list(range(45))
    first = paginate(items, "")
    assert first.number == 1 and first.pages == 3 and list(first.items) == list(range(20))
    assert not first.has_previous and first.has_next
    last = paginate(items, "99")
    assert last.number == 3 and list(last.items) == list(range(40, 45))
    assert paginate(items, "-1").number == 1
    assert paginate([], "2").pages == 1 and paginate([], "2").first_index == 0


def test_a_page_number_int_cannot_read_is_the_first_page() -> None:
    # "²" is a digit to str.isdigit but not to int(); 5,000 digits exceed int()'s limit.
    items = list(range(45))
    assert paginate(items, "²").number == 1
    assert paginate(items, "9" * 5000).number == 1
