"""Confirmations after a change: only known codes, never words from the URL."""

from __future__ import annotations

from iamd.console.forms import parse_fields
from iamd.console.notices import notice_of


def test_known_codes_name_the_entity() -> None:
    assert notice_of(parse_fields("notice=user-deleted&name=alice")) == "User alice deleted."


def test_unknown_codes_say_nothing() -> None:
    assert notice_of(parse_fields("notice=Your+account+is+hacked")) is None
    assert notice_of(parse_fields("")) is None
