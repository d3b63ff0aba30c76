"""Name rules in words, and the API's message kept below them."""

from __future__ import annotations

import pytest

from iamd.console import name_rules
from iamd.errors import ValidationError
from iamd.protocol import service_model


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


def test_each_rule_is_read_from_botocore_s_model() -> None:
    model = service_model("iam")
    for rule, operation, member in (
        (name_rules.USER, "CreateUser", "UserName"),
        (name_rules.GROUP, "CreateGroup", "GroupName"),
        (name_rules.ROLE, "CreateRole", "RoleName"),
        (name_rules.POLICY, "CreatePolicy", "PolicyName"),
        (name_rules.SAML_PROVIDER, "CreateSAMLProvider", "Name"),
    ):
        shape = model.operation_model(operation).input_shape.members[member]
        assert rule.max_length == shape.metadata["max"]
        assert rule.pattern == shape.metadata["pattern"].replace("-]", "\\-]")


def test_a_name_with_a_non_ascii_letter_breaks_the_rule_as_the_api_says() -> None:
    for name in ("Zoë", "Ünal", "名前", "a\u00a0b"):
        assert name_rules.USER.problem(name) == name_rules.USER.words, name
        assert name_rules.SAML_PROVIDER.problem(name) is not None
    assert name_rules.USER.problem("Zoe_1") is None


def test_a_pattern_the_page_could_not_show_is_refused() -> None:
    for pattern in ("[a-z]+", "[^x]+", "\\w+", "[\\w]*"):
        with pytest.raises(ValueError):
            name_rules.name_class(pattern)
