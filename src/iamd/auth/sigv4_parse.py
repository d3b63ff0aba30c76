"""Reading a SigV4 signature out of a request: the Authorization header or a presigned URL.

In: an `HttpRequest` as the server received it. Out: a `SignedRequest` naming the access
key, the credential scope, the signed headers and the signature, or `None` when the
request carries no signature at all. A malformed signature raises AWS's own error with
AWS's wording, checked in the order AWS's front end checks them: both kinds at once, the
algorithm prefix, key=value syntax, missing parts, the date, a signed Host, the algorithm,
the credential's shape and then its scope. Whether the signature is right is
`iamd.auth.sigv4`'s business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote_plus

from iamd.errors import IncompleteSignature, MissingAuthenticationToken, SignatureDoesNotMatch

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
SERVICES = ("iam", "sts", "cloudtrail")  # served on one endpoint, told apart by scope

MISSING_TOKEN = "Request is missing Authentication Token"
FOUND_BOTH = (
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
)
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
EXPIRES_NOT_A_NUMBER = "X-Amz-Expires should be a number"

_HEADER_FIELDS = ("Credential", "Signature", "SignedHeaders")
_QUERY_FIELDS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
)
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
_REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*", re.ASCII)
# Regions AWS has not made up are accepted (tests and local setups invent them), but
# no longer than the store records a key's or role's last-used region.
MAX_REGION_LENGTH = 64
_EXPIRES = re.compile(r"\d{1,12}", re.ASCII)
_FIELD_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as received: raw path and query, lower-cased header names."""

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class SignedRequest:
    """What a SigV4 signature claims: who signed, for which scope, over which headers."""

    access_key_id: str
    scope_date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    request_time: datetime
    security_token: str | None
    is_presigned: bool
    expires_seconds: int | None


@dataclass(frozen=True)
class _Fields:
    """The raw parts either kind of signature carries, before any of them is checked."""

    algorithm: str
    credential: str
    signature: str
    signed_headers: str
    request_time: datetime
    security_token: str | None


def read_signature(
    request: HttpRequest, services: tuple[str, ...] = SERVICES
) -> SignedRequest | None:
    """The signature a request carries, or None when it carries none at all.

    ``services`` are the credential scopes this endpoint answers for: IAM and STS for
    `iamd serve`, ``s3`` or ``execute-api`` for the gateway.
    """
    params = query_params(request.query_string)
    authorization = request.headers.get("authorization")
    is_presigned = "X-Amz-Algorithm" in params or "X-Amz-Signature" in params
    if authorization is None and not is_presigned:
        return None
    if authorization is not None and is_presigned:
        raise SignatureDoesNotMatch(FOUND_BOTH)
    if authorization is None:
        fields = _query_fields(params)
        expires_seconds = _expires_seconds(params.get("X-Amz-Expires"))
    else:
        fields = _header_fields(authorization, request.headers)
        expires_seconds = None
    return _signed_request(fields, request.headers, is_presigned, expires_seconds, services)


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """The query string's (name, value) pairs, percent-decoded, in order."""
    pairs = []
    for item in query_string.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def query_params(query_string: str) -> dict[str, str]:
    """The first value of each query parameter."""
    params: dict[str, str] = {}
    for name, value in query_pairs(query_string):
        params.setdefault(name, value)
    return params


def amz_date(moment: datetime) -> str:
    """A time in SigV4's ISO 8601 basic format, e.g. 20150830T123600Z.

    Formatted by hand: every request's string to sign needs it, and `strftime` costs
    several times more. A year before 1000 keeps strftime's unpadded form.
    """
    utc = moment.astimezone(UTC)
    if utc.year < 1000:
        return utc.strftime(AMZ_DATE_FORMAT)
    return f"{utc.year}{utc.month:02d}{utc.day:02d}T{utc.hour:02d}{utc.minute:02d}{utc.second:02d}Z"


def _header_fields(authorization: str, headers: Mapping[str, str]) -> _Fields:
    authorization = authorization.strip()
    algorithm, rest = _split_algorithm(authorization)
    if not algorithm.startswith("AWS4-"):
        raise MissingAuthenticationToken(MISSING_TOKEN)
    fields = _key_values(rest, authorization)
    amz_date_header = headers.get("x-amz-date")
    date = amz_date_header or headers.get("date") or ""
    _require_header_fields(fields, date, authorization)
    return _Fields(
        algorithm=algorithm,
        credential=fields["Credential"],
        signature=fields["Signature"],
        signed_headers=fields["SignedHeaders"],
        # botocore sends an RFC 1123 Date header (and no X-Amz-Date) when asked for Date.
        request_time=_request_time(date, allow_http_date=not amz_date_header),
        security_token=headers.get("x-amz-security-token") or None,
    )


def _split_algorithm(authorization: str) -> tuple[str, str]:
    parts = authorization.split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (authorization, "")


def _key_values(rest: str, authorization: str) -> dict[str, str]:
    fields = {}
    for pair in _FIELD_SEPARATORS.split(rest):
        if not pair:
            continue
        if "=" not in pair:
            raise IncompleteSignature(
                f"'{pair}' not a valid key=value pair (missing equal-sign) "
                f"in Authorization header: '{authorization}'."
            )
        name, _, value = pair.partition("=")
        fields[name] = value
    return fields


def _require_header_fields(fields: dict[str, str], date: str, authorization: str) -> None:
    missing = [
        f"Authorization header requires '{name}' parameter. "
        for name in _HEADER_FIELDS
        if _is_missing(fields, name)
    ]
    if not date:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if missing:
        raise IncompleteSignature("".join(missing) + f"Authorization={authorization}")


def _is_missing(fields: dict[str, str], name: str) -> bool:
    # An empty SignedHeaders is still present; the Host check rejects it later.
    return name not in fields if name == "SignedHeaders" else not fields.get(name)


def _query_fields(params: dict[str, str]) -> _Fields:
    algorithm = params.get("X-Amz-Algorithm")
    if algorithm is not None and algorithm != ALGORITHM:
        raise MissingAuthenticationToken(MISSING_TOKEN)
    missing = [
        f"AWS query-string parameters must include '{name}'. "
        for name in _QUERY_FIELDS
        if not params.get(name)
    ]
    if missing:
        raise IncompleteSignature("".join(missing) + "Re-examine the query-string parameters.")
    return _Fields(
        algorithm=params["X-Amz-Algorithm"],
        credential=params["X-Amz-Credential"],
        signature=params["X-Amz-Signature"],
        signed_headers=params["X-Amz-SignedHeaders"],
        request_time=_request_time(params["X-Amz-Date"], allow_http_date=False),
        security_token=params.get("X-Amz-Security-Token") or None,
    )


def _expires_seconds(value: str | None) -> int | None:
    if value is None:
        return None
    if not _EXPIRES.fullmatch(value):
        raise IncompleteSignature(EXPIRES_NOT_A_NUMBER)
    return int(value)


def _signed_request(
    fields: _Fields,
    headers: Mapping[str, str],
    is_presigned: bool,
    expires_seconds: int | None,
    services: tuple[str, ...],
) -> SignedRequest:
    request_time = fields.request_time
    signed_headers = _signed_header_names(fields.signed_headers)
    if "host" not in signed_headers:
        raise SignatureDoesNotMatch(HOST_NOT_SIGNED)
    if fields.algorithm != ALGORITHM:
        raise IncompleteSignature(
            f"Unsupported AWS 'algorithm': '{fields.algorithm}' (only {ALGORITHM} for now). "
        )
    access_key_id, scope_date, region, service = _credential_scope(
        fields.credential, request_time, services
    )
    _require_signed_headers_present(signed_headers, headers)
    return SignedRequest(
        access_key_id=access_key_id,
        scope_date=scope_date,
        region=region,
        service=service,
        signed_headers=signed_headers,
        signature=fields.signature,
        request_time=request_time,
        security_token=fields.security_token,
        is_presigned=is_presigned,
        expires_seconds=expires_seconds,
    )


def _signed_header_names(text: str) -> tuple[str, ...]:
    return tuple(sorted({name.lower() for name in text.split(";")} - {""}))


def _request_time(value: str, *, allow_http_date: bool) -> datetime:
    # A date that names no instant Python can hold (year 0, or 31 Dec 9999 at -0100,
    # which is in year 10000 in UTC) is refused like any other date we cannot read.
    try:
        if _AMZ_DATE.fullmatch(value):
            return _basic_format_time(value)
        if allow_http_date:
            moment = parsedate_to_datetime(value)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        pass
    raise IncompleteSignature(
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _basic_format_time(value: str) -> datetime:
    """20150830T123600Z as a time; the fields' digits are already checked.

    By hand, because `datetime.strptime` costs more than the rest of reading a
    signature, on every request; out-of-range fields raise ValueError all the same.
    """
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    hour, minute, second = int(value[9:11]), int(value[11:13]), int(value[13:15])
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _credential_scope(
    credential: str, request_time: datetime, services: tuple[str, ...]
) -> tuple[str, str, str, str]:
    # AWS splits like Java's String.split, which drops trailing empty elements.
    elements = credential.rstrip("/").split("/")
    if len(elements) != 5:
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key_id, scope_date, region, service, terminator = elements
    problems = _scope_problems(scope_date, region, service, terminator, request_time, services)
    if problems:
        raise SignatureDoesNotMatch("".join(problems))
    return access_key_id, scope_date, region, service


def _scope_problems(
    scope_date: str,
    region: str,
    service: str,
    terminator: str,
    request_time: datetime,
    services: tuple[str, ...],
) -> list[str]:
    problems = []
    if len(region) > MAX_REGION_LENGTH or not _REGION.fullmatch(region):
        problems.append(f"Credential should be scoped to a valid region, not '{region}'. ")
    if service not in services:
        # One endpoint may serve several; a foreign service is named against the first.
        problems.append(f"Credential should be scoped to correct service: '{services[0]}'. ")
    if terminator != TERMINATOR:
        problems.append(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator}'. "
        )
    http_date = amz_date(request_time).partition("T")[0]  # request_time is in UTC
    if scope_date != http_date:
        problems.append(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{http_date}', from '{amz_date(request_time)}'."
        )
    return problems


def _require_signed_headers_present(
    signed_headers: tuple[str, ...], headers: Mapping[str, str]
) -> None:
    for name in signed_headers:
        if name not in headers:
            raise IncompleteSignature(
                f"'{name}' is named as a SignedHeader, but it does not exist in the HTTP request."
            )


# A SigV4 credential's key id, in a header (Credential=) or a query (X-Amz-Credential=).
_CLAIMED_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{16,128})(?:/|%2F)")


def claimed_key_id(request: HttpRequest) -> str | None:
    """The key id a request names, even when its signature does not parse.

    For attributing a refused request in the audit trail; never proof of anything.
    """
    text = request.headers.get("authorization", "") + "&" + request.query_string
    claim = _CLAIMED_CREDENTIAL.search(text)
    return claim.group(1) if claim else None
