"""iamd.protocol.patterns: the models' Java regexes, with Java's meaning."""

from __future__ import annotations

import warnings

import pytest

from iamd.protocol import service_model
from iamd.protocol.patterns import compile_java_pattern, translate


def model_patterns() -> set[str]:
    found: set[str] = set()
    for name in ("iam", "sts"):
        model = service_model(name)
        for shape_name in model.shape_names:
            pattern = model.shape_for(shape_name).metadata.get("pattern")
            if pattern:
                found.add(pattern)
    return found


@pytest.mark.parametrize("pattern", sorted(model_patterns()))
def test_every_model_pattern_compiles_without_warnings(pattern: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile_java_pattern(pattern)


def matches(pattern: str, text: str) -> bool:
    return compile_java_pattern(pattern).fullmatch(text) is not None


def test_word_characters_are_ascii_as_in_java() -> None:
    assert matches(r"[\w+=,.@-]+", "user.name@example+x=y,z-1")
    assert not matches(r"[\w+=,.@-]+", "usér")
    assert not matches(r"[\d]+", "٣")


def test_unicode_categories() -> None:
    tag = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
    assert matches(tag, "Team Ünïcode 日本 ٣ 2nd:/=+-@_.")
    assert matches(tag, "non\u00a0breaking\u2028separator")
    for bad in ("*", "a,b", "semi;colon", "tab\t", "emoji😀"):
        assert not matches(tag, bad)
    assert matches(r"\p{Lu}+", "ÀB") and not matches(r"\p{Lu}+", "àb")
    assert matches(r"\P{L}+", "12 !") and not matches(r"\P{L}+", "a")


def test_whole_value_must_match() -> None:
    # AWS rejected 'Session1:2' for [\w+=,.@-]*: a pattern that matches "" anywhere
    # would have accepted it, so the whole value must match.
    assert not matches(r"[\w+=,.@-]*", "Session1:2")
    assert matches(r"[\w+=,.@-]*", "")
    assert not matches(r"^[a-zA-Z0-9:_.-]+$", "abc\n")
    assert matches(r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)", "/a/b/")
    assert not matches(r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)", "/a")


def test_unicode_escapes_take_four_hex_digits_as_in_java() -> None:
    assert translate(r"[\u0020-\u00FF]") == r"[\u0020-\u00FF]"
    text = r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
    assert matches(text, "tab\tline\nÿ日本")
    # Java reads \u10000 as U+1000 then "0": supplementary characters do not match.
    assert not matches(text, "emoji😀")


def test_hex_escapes_and_the_dot() -> None:
    pattern = r"[\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+( [\x21\x23-\x2B\x2D-\x5B\x5D-\x7E]+)*"
    assert (
        matches(pattern, "abc def") and not matches(pattern, 'a"b') and not matches(pattern, "a  b")
    )
    assert matches(r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?", "v12.beta-1")
    assert matches("a.c", "abc") and not matches("a.c", "a\u2028c") and not matches("a.c", "a\rc")
    assert matches(r"\x{1F600}", "😀")


@pytest.mark.parametrize("pattern", [r"[a[b]]", r"[a-z&&[^e]]", r"\Qa\E", "a\\", r"\p{Foo}"])
def test_unsupported_constructs_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        translate(pattern)
