"""Name rules in words, and the API's message kept below them."""

from __future__ import annotations

from iamd.console import name_rules
from iamd.errors import ValidationError


def test_a_rule_reads_as_a_sentence_and_checks_a_name() -> None:
    rule = name_rules.USER
    assert rule.words == "User names can have up to 64 letters, digits and +=,.@_-"
    assert rule.problem("deploy+ci@team.example") is None
    assert rule.problem("bad name!") == rule.words
    assert rule.problem("x" * 65) == rule.words
    assert rule.problem("") == rule.words


def test_a_refused_name_shows_the_words_and_the_api_message_below() -> None:
    error = ValidationError("1 validation error detected: … Member must satisfy regular expression")
    problems = name_rules.problems_for("user_name", name_rules.USER, "bad name!", error)
    assert problems == {"user_name": name_rules.USER.words, "user_name:api": error.message}
    assert name_rules.problems_for("user_name", name_rules.USER, "good") == {}


def test_saml_provider_names_allow_fewer_characters() -> None:
    assert name_rules.SAML_PROVIDER.problem("corp.idp_1-a") is None
    assert name_rules.SAML_PROVIDER.problem("corp@idp") is not None
