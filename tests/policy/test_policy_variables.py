"""Policy variables: parsing templates and rendering them per request."""

from __future__ import annotations

from iamd.policy.variables import parse_template

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
