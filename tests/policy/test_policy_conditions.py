"""The operator table and condition evaluation, including failing closed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from iamd.policy.conditions import compile_condition, parse_date, parse_operator
from iamd.policy.context import Principal, RequestContext
from iamd.policy.document import Condition

ALICE = Principal.user("111122223333", "alice", tags={"team": "blue"})


def holds(
    operator: str, key: str, values: tuple[str, ...], context: dict[str, object]
) -> bool | None:
    request = RequestContext(ALICE, "s3:GetObject", "*", context)  # type: ignore[arg-type]
    return compile_condition(Condition(operator, key, values)).evaluate(request)


@pytest.mark.parametrize(
    ("name", "base", "set_operator", "if_exists"),
    [
        ("StringEquals", "StringEquals", None, False),
        ("ForAllValues:StringLike", "StringLike", "ForAllValues", False),
        ("ForAnyValue:StringEqualsIfExists", "StringEquals", "ForAnyValue", True),
        ("ArnNotLikeIfExists", "ArnNotLike", None, True),
    ],
)
def test_known_operators(name: str, base: str, set_operator: str | None, if_exists: bool) -> None:
    spec = parse_operator(name)
    assert spec is not None
    assert (spec.base, spec.set_operator, spec.if_exists) == (base, set_operator, if_exists)


@pytest.mark.parametrize(
    "name",
    [
        "stringequals",
        "StringEqual",
        "ForAnyValue::StringEquals",
        "NullIfExists",
        "ForSomeValues:Bool",
        "",
    ],
)
def test_unknown_operators(name: str) -> None:
    assert parse_operator(name) is None


def test_unknown_operator_is_an_error_not_a_match() -> None:
    assert holds("StringEqualz", "k", ("v",), {"k": "v"}) is None
    assert holds("StringEqualz", "k", ("v",), {}) is None


@pytest.mark.parametrize(
    ("operator", "values"),
    [
        ("NumericEquals", ("ten",)),
        ("DateLessThan", ("tomorrow",)),
        ("Bool", ("yes",)),
        ("IpAddress", ("300.1.1.1/8",)),
        ("BinaryEquals", ("***",)),
        ("Null", ("maybe",)),
    ],
)
def test_unreadable_policy_values_are_errors(operator: str, values: tuple[str, ...]) -> None:
    assert holds(operator, "k", values, {"k": "1"}) is None


def test_key_lookup_is_case_insensitive() -> None:
    assert holds("StringEquals", "AWS:PrincipalTag/TEAM", ("blue",), {}) is True


def test_principal_keys_are_derived() -> None:
    assert holds("StringEquals", "aws:username", ("alice",), {}) is True
    assert holds("StringEquals", "aws:PrincipalType", ("User",), {}) is True
    assert (
        holds("StringEquals", "aws:PrincipalArn", ("arn:aws:iam::111122223333:user/alice",), {})
        is True
    )


def test_type_mismatch_never_matches_whatever_the_polarity() -> None:
    assert holds("NumericNotEquals", "k", ("1",), {"k": "abc"}) is False
    assert holds("NotIpAddress", "k", ("10.0.0.0/8",), {"k": "nope"}) is False
    assert holds("Bool", "k", ("true",), {"k": "yes"}) is False


def test_multivalued_key_with_single_valued_operator() -> None:
    assert holds("StringEquals", "k", ("a",), {"k": ["b", "a"]}) is True
    assert holds("StringNotEquals", "k", ("a",), {"k": ["b", "a"]}) is False


def test_empty_list_is_like_a_missing_key() -> None:
    assert holds("StringEquals", "k", ("a",), {"k": []}) is False
    assert holds("StringEqualsIfExists", "k", ("a",), {"k": []}) is True
    assert holds("Null", "k", ("true",), {"k": []}) is True
    assert holds("ForAllValues:StringEquals", "k", ("a",), {"k": []}) is True
    assert holds("ForAnyValue:StringEquals", "k", ("a",), {"k": []}) is False


def test_variables_in_condition_values() -> None:
    assert holds("StringEquals", "owner", ("${aws:username}",), {"owner": "alice"}) is True
    assert holds("StringLike", "p", ("home/${aws:username}/*",), {"p": "home/alice/x"}) is True
    assert holds("StringLike", "p", ("home/${aws:username}/*",), {"p": "home/bob/x"}) is False
    # An unresolvable variable matches nothing.
    assert holds("StringEquals", "owner", ("${aws:userid}",), {"owner": "${aws:userid}"}) is False


def test_numeric_values_are_not_variables() -> None:
    assert holds("NumericEquals", "k", ("${aws:username}",), {"k": "1"}) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1704067200", Decimal(1704067200)),
        ("2024-01-01T00:00:00Z", Decimal(1704067200)),
        ("2024-01-01T01:00:00+01:00", Decimal(1704067200)),
        ("2023-12-31T19:00:00-05:00", Decimal(1704067200)),
        ("2024-01-01", Decimal(1704067200)),
        ("2024-01-01T00:00:00.5Z", Decimal("1704067200.5")),
        ("2024-01-01T00:00Z", Decimal(1704067200)),
    ],
)
def test_dates(text: str, seconds: Decimal) -> None:
    assert parse_date(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "2024-13-01", "2024-02-30", "2024-01-01T25:00:00Z"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None
