"""The operator table and condition evaluation, including failing closed."""

from __future__ import annotations

import ipaddress
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- IP ranges as integers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranges", "address", "expected"),
    [
        (("10.0.0.0/8",), "10.255.1.2", True),
        (("10.0.0.0/8",), "11.0.0.1", False),
        (("10.1.2.3/8",), "10.9.9.9", True),  # host bits set: not strict, as AWS reads it
        (("192.0.2.7",), "192.0.2.7", True),  # a bare address is a /32
        (("192.0.2.7",), "192.0.2.8", False),
        (("0.0.0.0/0",), "203.0.113.9", True),
        (("0.0.0.0/0",), "2001:db8::1", False),  # versions never mix
        (("::/0",), "198.51.100.1", False),
        (("10.0.0.0/8",), "::ffff:10.0.0.1", False),  # IPv4-mapped IPv6 is IPv6
        (("2001:db8::/32",), "2001:DB8:0:1::9", True),
        (("2001:db8::/32",), "2001:db9::1", False),
        (("2001:db8::/127",), "2001:db8::1", True),
        (("2001:db8::/128",), "2001:db8::1", False),
        (("fe80::/10",), "fe80::1%eth0", True),  # a zone id does not change the address
        (("10.0.0.0/8", "2001:db8::/32"), "2001:db8::5", True),
        (("10.0.0.0/8",), " 10.0.0.1 ", True),
    ],
)
def test_ip_ranges(ranges: tuple[str, ...], address: str, expected: bool) -> None:
    assert holds("IpAddress", "aws:SourceIp", ranges, {"aws:SourceIp": address}) is expected
    assert holds("NotIpAddress", "aws:SourceIp", ranges, {"aws:SourceIp": address}) is not expected


def test_not_an_address_matches_nothing_whatever_the_polarity() -> None:
    for value in ("not-an-ip", "10.0.0.0/8", "300.1.1.1", ""):
        for operator in ("IpAddress", "NotIpAddress"):
            assert holds(operator, "ip", ("10.0.0.0/8",), {"ip": value}) is False, value


@settings(max_examples=300, deadline=None)
@given(
    network=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
    prefix=st.integers(min_value=0, max_value=128),
    address=st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
)
def test_ip_ranges_agree_with_ipaddress(
    network: ipaddress.IPv4Address | ipaddress.IPv6Address,
    prefix: int,
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    bits = min(prefix, network.max_prefixlen)
    cidr = ipaddress.ip_network(f"{network}/{bits}", strict=False)
    expected = cidr.version == address.version and address in cidr
    context: dict[str, object] = {"ip": str(address)}
    assert holds("IpAddress", "ip", (f"{network}/{bits}",), context) is expected


# --- StringLike with variables: compiled once ------------------------------------------


def test_string_like_with_several_variables_and_values() -> None:
    values = ("home/${aws:username}/${aws:PrincipalTag/team, 'none'}/*", "shared/*")
    assert holds("StringLike", "p", values, {"p": "home/alice/blue/x"}) is True
    assert holds("StringLike", "p", values, {"p": "shared/x"}) is True
    assert holds("StringLike", "p", values, {"p": "home/alice/none/x"}) is False  # tag is set
    assert holds("StringNotLike", "p", values, {"p": "home/alice/blue/x"}) is False
    assert holds("StringNotLike", "p", values, {"p": "home/bob/blue/x"}) is True
    many: dict[str, object] = {"p": ["home/alice/blue/a", "shared/b"]}
    assert holds("ForAllValues:StringLike", "p", values, many) is True
    # A missing tag takes the default.
    default = ("${aws:PrincipalTag/unit, 'none'}/*",)
    assert holds("StringLike", "p", default, {"p": "none/x"}) is True


def test_string_like_drops_values_whose_variable_is_missing() -> None:
    values = ("${aws:userid}/*", "x/*")
    assert holds("StringLike", "p", values, {"p": "x/1"}) is True
    assert holds("StringLike", "p", values, {"p": "/1"}) is False
    assert holds("StringLike", "p", ("${aws:userid}*",), {"p": "anything"}) is False
    assert holds("StringNotLike", "p", ("${aws:userid}*",), {"p": "anything"}) is True


def test_string_like_substituted_text_is_literal() -> None:
    context: dict[str, object] = {"p": "a.b*", "aws:PrincipalTag/team": "a.b*"}
    assert holds("StringLike", "p", ("${aws:PrincipalTag/team}",), context) is True
    context = {"p": "axbc", "aws:PrincipalTag/team": "a.b*"}
    assert holds("StringLike", "p", ("${aws:PrincipalTag/team}",), context) is False
    context = {"p": "a*b?c$", "aws:PrincipalTag/team": "b"}
    assert holds("StringLike", "p", ("a${*}${aws:PrincipalTag/team}${?}c${$}",), context)


def test_string_like_value_with_nul_falls_back_to_rendering() -> None:
    context: dict[str, object] = {"p": "a\x00b/x", "aws:PrincipalTag/team": "a\x00b"}
    assert holds("StringLike", "p", ("${aws:PrincipalTag/team}/*",), context) is True
    context = {"p": "a\x00c/x", "aws:PrincipalTag/team": "a\x00b"}
    assert holds("StringLike", "p", ("${aws:PrincipalTag/team}/*",), context) is False
