"""Condition operators: the table, and how one condition test is evaluated.

An operator name is `[ForAllValues:|ForAnyValue:]<Base>[IfExists]`; `parse_operator`
turns it into an `OperatorSpec` or None when AWS does not know it. Each base
operator belongs to a family that says how a request value compares with the
policy values (the *positive* relation: equals / like / less than … any one of
them); negated operators (`StringNotEquals`, `NotIpAddress`, `ArnNotLike` …) invert
that relation per request value.

Rules, as the IAM User Guide states them:
- multiple policy values for a key are ORed; keys and operators are ANDed (by callers);
- a missing key (or one with no values) makes a condition false, true for a negated
  operator, true with `...IfExists`, true for `ForAllValues:` and false for
  `ForAnyValue:` (unless `IfExists`); `Null` tests presence itself;
- a request value of the wrong type (not a number, date, IP …) is no match at all,
  whatever the operator's polarity.

Failing closed: a condition whose operator is unknown, or whose policy values cannot
be read (a date that is not a date), evaluates to None — an error — and the
evaluator treats the statement as erroneous (an Allow never grants; a Deny denies).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial

from iamd.policy.context import RequestContext, next_memo_serial
from iamd.policy.document import Condition
from iamd.policy.match import arn_matches, compile_regex, glob_to_regex
from iamd.policy.variables import Template, VariablePattern, compile_templates, parse_template

SET_OPERATORS = ("ForAllValues:", "ForAnyValue:")
IF_EXISTS = "IfExists"

# base operator → (family, negated)
BASE_OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("string", False),
    "StringNotEquals": ("string", True),
    "StringEqualsIgnoreCase": ("string-ignore-case", False),
    "StringNotEqualsIgnoreCase": ("string-ignore-case", True),
    "StringLike": ("string-like", False),
    "StringNotLike": ("string-like", True),
    "NumericEquals": ("numeric-eq", False),
    "NumericNotEquals": ("numeric-eq", True),
    "NumericLessThan": ("numeric-lt", False),
    "NumericLessThanEquals": ("numeric-le", False),
    "NumericGreaterThan": ("numeric-gt", False),
    "NumericGreaterThanEquals": ("numeric-ge", False),
    "DateEquals": ("date-eq", False),
    "DateNotEquals": ("date-eq", True),
    "DateLessThan": ("date-lt", False),
    "DateLessThanEquals": ("date-le", False),
    "DateGreaterThan": ("date-gt", False),
    "DateGreaterThanEquals": ("date-ge", False),
    "Bool": ("bool", False),
    "BinaryEquals": ("binary", False),
    "IpAddress": ("ip", False),
    "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False),
    "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True),
    "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}
# Families whose policy values may hold policy variables (IAM User Guide: string, ARN, Bool).
VARIABLE_FAMILIES = frozenset({"string", "string-ignore-case", "string-like", "arn", "bool"})

Matcher = Callable[[str], bool | None]


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    base: str
    family: str
    negated: bool
    set_operator: str | None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool


def parse_operator(name: str) -> OperatorSpec | None:
    """The spec for an operator name, or None when AWS does not recognise it."""
    set_operator = None
    for prefix in SET_OPERATORS:
        if name.startswith(prefix):
            set_operator, name = prefix[:-1], name[len(prefix) :]
            break
    if_exists = name.endswith(IF_EXISTS)
    base = name[: -len(IF_EXISTS)] if if_exists else name
    if base not in BASE_OPERATORS or (if_exists and base == "Null"):
        return None
    family, negated = BASE_OPERATORS[base]
    return OperatorSpec(base, family, negated, set_operator, if_exists)


# --- reading typed values ------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")
_ISO_8601 = re.compile(
    r"(?P<year>-?\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2})"
    r"(?:[Tt](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"\s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)


@lru_cache(maxsize=4096)
def parse_number(text: str) -> Decimal | None:
    if _NUMBER.fullmatch(text.strip()) is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


@lru_cache(maxsize=4096)
def parse_date(text: str) -> Decimal | None:
    """Seconds since the epoch, from ISO 8601 (W3C profile) or epoch seconds."""
    text = text.strip()
    if _EPOCH.fullmatch(text):
        return Decimal(text)
    match = _ISO_8601.fullmatch(text)
    if match is None:
        return None
    try:
        return _iso_seconds(match)
    except (ValueError, OverflowError):
        return None


def _iso_seconds(match: re.Match[str]) -> Decimal:
    part = match.groupdict()
    moment = datetime(
        int(part["year"]),
        int(part["month"] or 1),
        int(part["day"] or 1),
        int(part["hour"] or 0),
        int(part["minute"] or 0),
        int(part["second"] or 0),
        tzinfo=UTC,
    )
    moment -= _zone_offset(part["zone"])
    seconds = Decimal(int(moment.timestamp()))
    fraction = part["fraction"]
    return seconds + (Decimal(f"0.{fraction}") if fraction else Decimal(0))


def _zone_offset(zone: str | None) -> timedelta:
    if not zone or zone in "Zz":
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return -offset if zone[0] == "-" else offset


_BOOLEANS = {"true": True, "false": False}


def parse_bool(text: str) -> bool | None:
    return _BOOLEANS.get(text.strip().lower())


def _parse_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _parse_address(text: str) -> tuple[int, int] | None:
    """An address as (IP version, integer); None when `text` is not an address."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return address.version, int(address)


# --- matchers: does one request value stand in the positive relation? ------------------

_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "eq": lambda value, bound: value == bound,
    "lt": lambda value, bound: value < bound,
    "le": lambda value, bound: value <= bound,
    "gt": lambda value, bound: value > bound,
    "ge": lambda value, bound: value >= bound,
}


def build_matcher(family: str, policy_values: tuple[str, ...]) -> Matcher | None:
    """A matcher for static policy values; None when a policy value cannot be read."""
    if family.startswith(("numeric-", "date-")):
        return _ordered_matcher(family, policy_values)
    builder = _BUILDERS.get(family)
    return None if builder is None else builder(policy_values)


def _string_matcher(values: tuple[str, ...]) -> Matcher:
    allowed = frozenset(values)
    return lambda value: value in allowed


def _ignore_case_matcher(values: tuple[str, ...]) -> Matcher:
    allowed = frozenset(v.lower() for v in values)
    return lambda value: value.lower() in allowed


def _like_matcher(values: tuple[str, ...]) -> Matcher:
    return _regex_matcher(tuple(glob_to_regex(v) for v in values))


def _regex_matcher(sources: tuple[str, ...]) -> Matcher:
    if not sources:
        return lambda value: False
    regex = compile_regex("|".join(f"(?:{s})" for s in sources), False)
    return lambda value: regex.fullmatch(value) is not None


def _ordered_matcher(family: str, values: tuple[str, ...]) -> Matcher | None:
    parse = parse_number if family.startswith("numeric-") else parse_date
    bounds = [parse(v) for v in values]
    if any(bound is None for bound in bounds):
        return None
    compare = _COMPARE[family.rsplit("-", 1)[1]]
    checked = tuple(b for b in bounds if b is not None)

    def matcher(value: str) -> bool | None:
        parsed = parse(value)
        if parsed is None:
            return None
        return any(compare(parsed, bound) for bound in checked)

    return matcher


def _bool_matcher(values: tuple[str, ...]) -> Matcher | None:
    wanted = {parse_bool(v) for v in values}
    if None in wanted:
        return None

    def matcher(value: str) -> bool | None:
        parsed = parse_bool(value)
        return None if parsed is None else parsed in wanted

    return matcher


def _binary_matcher(values: tuple[str, ...]) -> Matcher | None:
    wanted = {_parse_binary(v) for v in values}
    if None in wanted:
        return None

    def matcher(value: str) -> bool | None:
        parsed = _parse_binary(value)
        return None if parsed is None else parsed in wanted

    return matcher


def _ip_matcher(values: tuple[str, ...]) -> Matcher | None:
    networks = [_parse_network(v) for v in values]
    # (version, network address, netmask) as integers: an address is in a range when
    # its masked bits equal the network's (the test `address in network` makes).
    ranges = tuple(
        (n.version, int(n.network_address), int(n.netmask)) for n in networks if n is not None
    )
    if len(ranges) != len(networks):
        return None

    def matcher(value: str) -> bool | None:
        address = _parse_address(value)
        if address is None:
            return None
        version, number = address
        return any(v == version and number & mask == net for v, net, mask in ranges)

    return matcher


def _arn_matcher(values: tuple[str, ...]) -> Matcher:
    return lambda value: any(arn_matches(pattern, value) for pattern in values)


_BUILDERS: dict[str, Callable[[tuple[str, ...]], Matcher | None]] = {
    "string": _string_matcher,
    "string-ignore-case": _ignore_case_matcher,
    "string-like": _like_matcher,
    "bool": _bool_matcher,
    "binary": _binary_matcher,
    "ip": _ip_matcher,
    "arn": _arn_matcher,
}


@lru_cache(maxsize=2048)
def _cached_matcher(family: str, policy_values: tuple[str, ...]) -> Matcher | None:
    return build_matcher(family, policy_values)


# --- compiled conditions ---------------------------------------------------------------


_UNSET = object()


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """One condition test, ready to evaluate; `error` says why it can never be evaluated."""

    key: str  # lower-cased: context keys are case-insensitive
    spec: OperatorSpec | None
    values: tuple[str, ...]
    matcher: Matcher | None
    templates: tuple[Template, ...] | None  # set when the values hold policy variables
    error: str | None = None
    # StringLike's templates compiled once (their variables matched by backreference).
    pattern: VariablePattern | None = field(default=None, repr=False)
    # INVARIANT: serials are never reused, so a request's memo cannot confuse two conditions.
    serial: int = field(default_factory=next_memo_serial, compare=False)

    def holds(self, request: RequestContext) -> bool | None:
        """`evaluate`, remembered for the rest of this request."""
        memo = request.memo
        result = memo.get(self.serial, _UNSET)
        if result is _UNSET:
            result = memo[self.serial] = self.evaluate(request)
        return result  # type: ignore[return-value]

    def evaluate(self, request: RequestContext) -> bool | None:
        """True / False, or None when the condition is erroneous (fail closed)."""
        spec = self.spec
        if spec is None or self.error is not None:
            return None
        present = request.values(self.key)
        if spec.family == "null":
            return _null_holds(present, self.values)
        if not present:
            return _missing_key(spec)
        matcher = self.matcher if self.templates is None else self._render(request)
        if matcher is None:
            return None
        if len(present) == 1 and spec.set_operator is None:  # the common case, kept fast
            only = matcher(present[0])
            return False if only is None else only != spec.negated
        return _combine(spec, [matcher(value) for value in present])

    def _render(self, request: RequestContext) -> Matcher | None:
        assert self.spec is not None and self.templates is not None
        if self.pattern is not None:
            prefix = self.pattern.prefix(request.variable)
            if prefix is not None:
                return partial(self.pattern.fullmatch, prefix)
        if self.spec.family == "string-like":  # no pattern, or a value holding NUL
            sources = (t.render_regex(request.variable) for t in self.templates)
            return _regex_matcher(tuple(s for s in sources if s is not None))
        texts = (t.render_text(request.variable) for t in self.templates)
        return _cached_matcher(self.spec.family, tuple(t for t in texts if t is not None))


def _missing_key(spec: OperatorSpec) -> bool:
    if spec.if_exists:
        return True
    if spec.set_operator == "ForAllValues":
        return True
    if spec.set_operator == "ForAnyValue":
        return False
    return spec.negated


def _combine(spec: OperatorSpec, results: Sequence[bool | None]) -> bool:
    if any(result is None for result in results):
        return False  # a value of the wrong type matches nothing, whatever the polarity
    if spec.set_operator == "ForAllValues":
        return all(result != spec.negated for result in results)
    if spec.set_operator == "ForAnyValue":
        return any(result != spec.negated for result in results)
    matched = any(results)
    return not matched if spec.negated else matched


def _null_holds(present: tuple[str, ...] | None, values: tuple[str, ...]) -> bool | None:
    wanted = [parse_bool(v) for v in values]
    if None in wanted:
        return None
    is_null = not present
    return any(want == is_null for want in wanted)


@lru_cache(maxsize=8192)
def compile_condition(condition: Condition, *, variables: bool = True) -> CompiledCondition:
    """Compile one condition test (identical tests share one); no variables before 2012."""
    key = condition.key.lower()
    spec = parse_operator(condition.operator)
    if spec is None:
        return CompiledCondition(key, None, condition.values, None, None, "unknown operator")
    templates = _templates(spec, condition.values, variables)
    if templates is not None:
        pattern = compile_templates(templates) if spec.family == "string-like" else None
        return CompiledCondition(key, spec, condition.values, None, templates, pattern=pattern)
    if spec.family == "null":
        bad = any(parse_bool(v) is None for v in condition.values)
        return CompiledCondition(
            key, spec, condition.values, None, None, "bad Null value" if bad else None
        )
    matcher = build_matcher(spec.family, condition.values)
    error = None if matcher is not None else f"policy value is not valid for {spec.base}"
    return CompiledCondition(key, spec, condition.values, matcher, None, error)


def _templates(
    spec: OperatorSpec, values: tuple[str, ...], variables: bool
) -> tuple[Template, ...] | None:
    if not variables or spec.family not in VARIABLE_FAMILIES:
        return None
    templates = tuple(parse_template(value) for value in values)
    return templates if any(t.has_variables for t in templates) else None
