"""The policy picker keeps a selection across searches."""

from __future__ import annotations

from iamd.console.forms import parse_fields
from iamd.console.picker import Picker, PolicyChoice, selection

A, B, C = (f"arn:aws:iam::aws:policy/{name}" for name in ("A", "B", "C"))


def test_ticks_on_shown_policies_replace_theirs_and_others_stay() -> None:
    form = parse_fields(f"shown_policy={B}&shown_policy={C}&policy={C}")
    assert selection(form, [A, B]) == [A, C]


def test_ticks_on_policies_not_shown_are_ignored() -> None:
    assert selection(parse_fields(f"policy={A}"), []) == []


def test_selected_policies_a_search_hides_are_named() -> None:
    shown = [PolicyChoice(B, "B", True, "", 0, True)]
    assert Picker("b", shown, 1, [A, B]).selected_elsewhere == ["A"]
