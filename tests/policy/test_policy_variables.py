"""Policy variables: parsing templates and rendering them per request."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.policy.variables import compile_templates, parse_template

VALUES = {"aws:username": "alice", "aws:principaltag/team": "a.b*"}


def lookup(key: str) -> str | None:
    return VALUES.get(key)


def test_plain_text_has_no_variables() -> None:
    template = parse_template("arn:aws:s3:::bucket/*")
    assert not template.has_variables and template.source == "arn:aws:s3:::bucket/*"


def test_variable_is_substituted() -> None:
    template = parse_template("home/${aws:username}/*")
    assert template.has_variables
    assert template.render_text(lookup) == "home/alice/*"
    assert template.render_regex(lookup) == "home/alice/.*"


def test_key_is_case_insensitive_and_default_applies() -> None:
    assert parse_template("${AWS:UserName}").render_text(lookup) == "alice"
    assert parse_template("${aws:userid, 'anonymous'}").render_text(lookup) == "anonymous"
    assert parse_template("${aws:username,'x'}").render_text(lookup) == "alice"


def test_missing_variable_without_default_is_unresolvable() -> None:
    assert parse_template("home/${aws:userid}").render_text(lookup) is None
    assert parse_template("home/${aws:userid}").render_regex(lookup) is None


def test_substituted_text_is_literal_in_a_pattern() -> None:
    assert parse_template("${aws:PrincipalTag/team}").render_regex(lookup) == r"a\.b\*"


def test_special_characters() -> None:
    template = parse_template("a${*}b${?}c${$}")
    assert template.render_text(lookup) == "a*b?c$"
    assert template.render_regex(lookup) == r"a\*b\?c\$"


def test_disabled_templates_keep_the_text() -> None:
    template = parse_template("home/${aws:username}", enabled=False)
    assert not template.has_variables and template.source == "home/${aws:username}"


def test_unrecognised_braces_stay_text() -> None:
    template = parse_template("${not a variable}")
    assert not template.has_variables and template.render_text(lookup) == "${not a variable}"


# --- templates compiled once: variables matched by backreference ---------------------


def pattern_matches(text: str, values: dict[str, str], subject: str) -> bool | None:
    """The compiled pattern's answer; None when it cannot frame the values (NUL)."""
    pattern = parse_template(text).pattern
    assert pattern is not None
    prefix = pattern.prefix(values.get)
    return None if prefix is None else pattern.fullmatch(prefix, subject)


def rendered_matches(text: str, values: dict[str, str], subject: str) -> bool:
    """The reference: render this request's regex and match it."""
    source = parse_template(text).render_regex(values.get)
    return source is not None and re.fullmatch(source, subject, re.DOTALL) is not None


@pytest.mark.parametrize(
    ("text", "subject", "expected"),
    [
        ("home/${aws:username}/*", "home/alice/x/y", True),
        ("home/${aws:username}/*", "home/bob/x", False),
        ("${aws:username}-${aws:principaltag/team}", "alice-a.b*", True),
        ("${aws:username}-${aws:principaltag/team}", "alice-aXbcd", False),  # no wildcards
        ("${aws:username}/${aws:username}", "alice/alice", True),  # one group, used twice
        ("${aws:username}/${aws:username}", "alice/bob", False),
        ("${aws:userid, 'x'}/*", "x/k", True),  # missing: the default
        ("${aws:username, 'x'}/*", "alice/k", True),  # present: the value, not the default
        ("${aws:username, 'x'}/*", "x/k", False),
        ("${aws:userid}/*", "/k", False),  # missing, no default: nothing matches
        ("a${*}b${?}c${$}", "a*b?c$", True),
        ("a${*}b${?}c${$}", "aXbYc$", False),
        ("${aws:username}${*}", "alice*", True),
        ("${aws:username}${*}", "alicex", False),
        ("x?${aws:username}*", "xyalice", True),
        ("${aws:principaltag/team}", "a.b*", True),  # regex metacharacters are literal
        ("${aws:principaltag/team}", "axb*", False),
    ],
)
def test_pattern_agrees_with_rendering(text: str, subject: str, expected: bool) -> None:
    assert rendered_matches(text, VALUES, subject) is expected
    assert pattern_matches(text, VALUES, subject) is expected


def test_same_key_with_different_defaults_are_different_groups() -> None:
    text = "${aws:userid, 'a'}/${aws:userid, 'b'}"
    assert pattern_matches(text, VALUES, "a/b") is True
    assert pattern_matches(text, {"aws:userid": "u"}, "u/u") is True
    assert pattern_matches(text, VALUES, "a/a") is False


def test_values_with_separators() -> None:
    values = {"aws:username": "a\x01b"}
    assert pattern_matches("${aws:username}", values, "a\x01b") is True
    assert pattern_matches("${aws:username}", {"aws:username": ""}, "") is True
    # NUL frames the values, so a value holding it cannot be matched this way.
    assert pattern_matches("${aws:username}", {"aws:username": "a\x00b"}, "a\x00b") is None


def test_templates_without_variables_have_no_pattern() -> None:
    assert parse_template("arn:aws:s3:::b/*").pattern is None
    assert parse_template("${aws:username}", enabled=False).pattern is None
    assert parse_template("${not a variable}").pattern is None
    assert parse_template("${*}").pattern is not None  # a literal: still no wildcard


def test_several_templates_in_one_pattern() -> None:
    templates = [parse_template(t) for t in ("a/${aws:username}", "b/${aws:userid}", "c/*")]
    pattern = compile_templates(templates)
    prefix = pattern.prefix(lookup)
    assert prefix is not None
    assert pattern.fullmatch(prefix, "a/alice") and pattern.fullmatch(prefix, "c/x")
    # The template with an unresolvable variable drops out; the others still count.
    assert not pattern.fullmatch(prefix, "b/") and not pattern.fullmatch(prefix, "a/bob")


_PIECES = ["a", "/", "*", "?", ".", "${aws:username}", "${aws:userid, 'd*'}", "${*}", "${?}"]
_CHARS = "a/*?.d\x01"


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6),
    username=st.one_of(st.none(), st.text(_CHARS, max_size=3)),
    userid=st.one_of(st.none(), st.text(_CHARS, max_size=3)),
    subject=st.text(_CHARS, max_size=8),
)
def test_pattern_agrees_with_rendering_everywhere(
    pieces: list[str], username: str | None, userid: str | None, subject: str
) -> None:
    text = "".join(pieces)
    if "${" not in text:
        return
    values = {
        k: v for k, v in (("aws:username", username), ("aws:userid", userid)) if v is not None
    }
    # Subjects built from the rendered text (wildcards as written) hit the positive cases.
    rendered = parse_template(text).render_text(values.get)
    for candidate in (subject, rendered or "", (rendered or "").replace("*", subject)):
        assert pattern_matches(text, values, candidate) == rendered_matches(text, values, candidate)
