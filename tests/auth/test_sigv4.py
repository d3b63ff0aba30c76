"""SigV4 verification against botocore's own signer, and AWS's error wording.

Requests are signed by botocore (`SigV4Auth`, `SigV4QueryAuth`, or a whole client with
the HTTP send cut off), turned into the `HttpRequest` the server would receive, and must
verify; tampered ones must not. The named steps are checked against what botocore
computes for cases of AWS's published SigV4 test suite. The signer's clock is frozen.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from iamd.auth.sigv4 import (
    HttpRequest,
    SignedRequest,
    canonical_request,
    check_request_time,
    read_signature,
    signature,
    signing_key,
    string_to_sign,
    verify_signature,
)
from iamd.errors import (
    IncompleteSignature,
    MissingAuthenticationToken,
    ServiceError,
    SignatureDoesNotMatch,
)
from support import set_signing_clock

ACCESS_KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEBYaDFAKE+session/token=="
SIGNED_AT = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
TRICKY_PARAMS = {
    "Action": "CreateUser",
    "Version": "2010-05-08",
    "UserName": "ana maría~*",
    "Path": "/división uno/",
    "Tags.member.1.Value": "ünïcødé & spaces + plus = equals * star ~ tilde",
}


def freeze_signer(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    set_signing_clock(monkeypatch, lambda: moment)


@pytest.fixture(autouse=True)
def _frozen_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_signer(monkeypatch, SIGNED_AT)


def received(prepared: Any) -> HttpRequest:
    """What the server sees of a request botocore prepared (the HTTP client adds Host)."""
    url = urlsplit(prepared.url)
    headers = {name.lower(): _text(value) for name, value in prepared.headers.items()}
    headers.setdefault("host", url.netloc)
    body = prepared.body or b""
    return HttpRequest(
        method=prepared.method,
        path=url.path or "/",
        query_string=url.query,
        headers=headers,
        body=body.encode() if isinstance(body, str) else body,
    )


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def credentials(token: str | None = None, secret: str = SECRET) -> Credentials:
    return Credentials(ACCESS_KEY_ID, secret, token)


def header_signed(request: AWSRequest, *, token: str | None = None) -> HttpRequest:
    SigV4Auth(credentials(token), "iam", "us-east-1").add_auth(request)
    return received(request.prepare())


def presigned(request: AWSRequest, *, token: str | None = None, expires: int = 900) -> HttpRequest:
    SigV4QueryAuth(credentials(token), "sts", "us-east-1", expires=expires).add_auth(request)
    return received(request.prepare())


def form_post(params: dict[str, str], url: str = "https://iam.amazonaws.com/") -> AWSRequest:
    return AWSRequest(method="POST", url=url, data=params, headers={"Content-Type": FORM_TYPE})


def verified(
    request: HttpRequest, *, secret: str = SECRET, now: datetime = SIGNED_AT
) -> SignedRequest:
    signed = read_signature(request)
    assert signed is not None
    check_request_time(signed, now)
    verify_signature(request, signed, secret)
    return signed


def rejected(request: HttpRequest, *, secret: str = SECRET) -> ServiceError:
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verified(request, secret=secret)
    return caught.value


# --- botocore-signed requests verify ---------------------------------------------------


@pytest.mark.parametrize("token", [None, TOKEN])
def test_form_post_signed_by_botocore_verifies(token: str | None) -> None:
    signed = verified(header_signed(form_post(TRICKY_PARAMS), token=token))

    assert signed.access_key_id == ACCESS_KEY_ID
    assert (signed.scope_date, signed.region, signed.service) == ("20260101", "us-east-1", "iam")
    assert signed.request_time == SIGNED_AT
    assert signed.security_token == token
    assert not signed.is_presigned
    assert "host" in signed.signed_headers


def test_get_with_query_params_signed_by_botocore_verifies() -> None:
    request = AWSRequest(method="GET", url="https://iam.amazonaws.com/", params=TRICKY_PARAMS)

    signed = verified(header_signed(request))

    assert signed.service == "iam"


@pytest.mark.parametrize("token", [None, TOKEN])
def test_presigned_url_signed_by_botocore_verifies(token: str | None) -> None:
    request = AWSRequest(
        method="GET",
        url="https://sts.amazonaws.com/",
        data={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
    )

    signed = verified(presigned(request, token=token, expires=60))

    assert signed.is_presigned
    assert signed.expires_seconds == 60
    assert signed.service == "sts"
    assert signed.security_token == token


def test_date_header_instead_of_x_amz_date_verifies() -> None:
    request = form_post({"Action": "ListUsers", "Version": "2010-05-08"})
    request.headers["Date"] = "Thu, 01 Jan 1970 00:00:00 GMT"  # botocore rewrites it

    http = header_signed(request)

    assert "x-amz-date" not in http.headers
    assert verified(http).request_time == SIGNED_AT


def test_unsigned_payload_on_bodiless_request_verifies() -> None:
    request = AWSRequest(method="GET", url="https://iam.amazonaws.com/?Action=ListUsers")
    request.context["payload_signing_enabled"] = False

    http = header_signed(request)

    assert http.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    verified(http)


class _Sent(Exception):
    """Raised instead of sending, carrying the request botocore would have sent."""

    def __init__(self, request: Any) -> None:
        super().__init__("sent")
        self.request = request


def sent_by_client(service: str, call: str, **kwargs: Any) -> HttpRequest:
    client = _client(service)
    with pytest.raises(_Sent) as caught:
        getattr(client, call)(**kwargs)
    return received(caught.value.request)


def _client(service: str) -> Any:
    client = botocore.session.get_session().create_client(
        service,
        region_name="eu-west-1",
        endpoint_url="http://localhost:4599",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
    )

    def cut_off(request: Any, **_: Any) -> None:
        raise _Sent(request)

    client.meta.events.register("before-send", cut_off)
    return client


def test_iam_call_sent_by_a_botocore_client_verifies() -> None:
    http = sent_by_client(
        "iam",
        "create_user",
        UserName="ana",
        Path="/división uno/",
        Tags=[{"Key": "note", "Value": "ünïcødé * ~ + & ="}],
    )

    signed = verified(http)

    assert (signed.service, signed.region, signed.security_token) == ("iam", "eu-west-1", TOKEN)


def test_sts_call_sent_by_a_botocore_client_verifies() -> None:
    assert verified(sent_by_client("sts", "get_caller_identity")).service == "sts"


def opened_with_get(url: str) -> HttpRequest:
    parts = urlsplit(url)
    return HttpRequest("GET", parts.path, parts.query, {"host": parts.netloc}, b"")


def test_presigned_url_from_generate_presigned_url_verifies() -> None:
    client = _client("sts")
    url = client.generate_presigned_url("get_caller_identity", ExpiresIn=900, HttpMethod="GET")

    signed = verified(opened_with_get(url))

    assert (signed.is_presigned, signed.service, signed.security_token) == (True, "sts", TOKEN)


def test_presigned_url_signed_for_post_fails_when_opened_with_get_as_on_aws() -> None:
    # botocore presigns with the operation's method, POST; AWS rejects it (boto/boto3#756).
    url = _client("sts").generate_presigned_url("get_caller_identity")

    assert rejected(opened_with_get(url)).message == MISMATCH


def test_request_without_any_signature_reads_as_none() -> None:
    http = HttpRequest("POST", "/", "", {"host": "iam.amazonaws.com"}, b"Action=ListUsers")

    assert read_signature(http) is None


def test_signing_key_is_derived_once_per_day_region_and_service() -> None:
    http = header_signed(form_post({"Action": "ListUsers"}))
    verified(http)
    hits = signing_key.cache_info().hits

    verified(http)

    assert signing_key.cache_info().hits == hits + 1


# --- tampered requests are rejected ---------------------------------------------------


def test_wrong_secret_is_rejected() -> None:
    http = header_signed(form_post(TRICKY_PARAMS))

    assert rejected(http, secret=SECRET[:-1] + "Z").message == MISMATCH


def test_body_altered_by_one_byte_is_rejected() -> None:
    http = header_signed(form_post({"Action": "DeleteUser", "UserName": "bob"}))

    assert rejected(replace(http, body=http.body.replace(b"bob", b"bod"))).message == MISMATCH


def test_changed_signed_header_is_rejected() -> None:
    http = header_signed(form_post({"Action": "ListUsers"}))
    headers = {**http.headers, "content-type": "application/x-www-form-urlencoded"}

    assert rejected(replace(http, headers=headers)).message == MISMATCH


def test_changed_query_param_is_rejected() -> None:
    request = AWSRequest(method="GET", url="https://iam.amazonaws.com/?UserName=bob")
    http = header_signed(request)

    assert rejected(replace(http, query_string="UserName=eve")).message == MISMATCH


def test_changed_presigned_param_is_rejected() -> None:
    request = AWSRequest(method="GET", url="https://sts.amazonaws.com/", data={"Action": "A"})
    http = presigned(request)

    tampered = replace(http, query_string=http.query_string.replace("Action=A&", "Action=B&"))

    assert rejected(tampered).message == MISMATCH


def test_body_swapped_under_a_signed_content_hash_is_rejected() -> None:
    request = form_post({"Action": "DeleteUser", "UserName": "bob"})
    request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(request.body).hexdigest()
    http = header_signed(request)
    verified(http)

    assert rejected(replace(http, body=http.body.replace(b"bob", b"eve"))).message == MISMATCH


def test_unsigned_payload_with_a_body_is_rejected() -> None:
    request = form_post({"Action": "DeleteUser", "UserName": "bob"})
    request.context["payload_signing_enabled"] = False

    assert rejected(header_signed(request)).message == MISMATCH


# --- the 15-minute window -------------------------------------------------------------


@pytest.mark.parametrize("skew", [timedelta(minutes=-14), timedelta(minutes=14)])
def test_clock_skew_within_15_minutes_passes(skew: timedelta) -> None:
    verified(header_signed(form_post({"Action": "ListUsers"})), now=SIGNED_AT + skew)


def test_request_signed_16_minutes_ago_has_expired() -> None:
    signed = read_signature(header_signed(form_post({"Action": "ListUsers"})))
    assert signed is not None

    with pytest.raises(SignatureDoesNotMatch) as caught:
        check_request_time(signed, SIGNED_AT + timedelta(minutes=16))

    assert caught.value.message == (
        "Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z "
        "(20260101T001600Z - 15 min.)"
    )


def test_request_signed_16_minutes_ahead_is_not_yet_current() -> None:
    signed = read_signature(header_signed(form_post({"Action": "ListUsers"})))
    assert signed is not None

    with pytest.raises(SignatureDoesNotMatch) as caught:
        check_request_time(signed, SIGNED_AT - timedelta(minutes=16))

    assert caught.value.message == (
        "Signature not yet current: 20260101T000000Z is still later than 20251231T235900Z "
        "(20251231T234400Z + 15 min.)"
    )


def test_presigned_url_lives_15_minutes_whatever_x_amz_expires_says() -> None:
    request = AWSRequest(method="GET", url="https://sts.amazonaws.com/", data={"Action": "A"})
    signed = read_signature(presigned(request, expires=60))
    assert signed is not None

    check_request_time(signed, SIGNED_AT + timedelta(minutes=14))
    with pytest.raises(SignatureDoesNotMatch) as caught:
        check_request_time(signed, SIGNED_AT + timedelta(minutes=16))
    assert caught.value.message.startswith("Signature expired: 20260101T000000Z is now earlier")


@pytest.mark.parametrize(("expires", "is_allowed"), [(604_800, True), (604_801, False)])
def test_x_amz_expires_is_at_most_a_week(expires: int, is_allowed: bool) -> None:
    request = AWSRequest(method="GET", url="https://sts.amazonaws.com/", data={"Action": "A"})
    signed = read_signature(presigned(request, expires=expires))
    assert signed is not None

    if is_allowed:
        check_request_time(signed, SIGNED_AT)
        return
    with pytest.raises(IncompleteSignature) as caught:
        check_request_time(signed, SIGNED_AT)
    assert caught.value.message == (
        "X-Amz-Expires must be less than a week (in seconds); that is, "
        "the given X-Amz-Expires must be less than 604800 seconds"
    )


# --- malformed signatures: AWS's codes and messages ------------------------------------

CREDENTIAL = "AKIDEXAMPLE/20260101/us-east-1/iam/aws4_request"
GOOD_AUTH = f"AWS4-HMAC-SHA256 Credential={CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=ab"
DATED = {"host": "iam.amazonaws.com", "x-amz-date": "20260101T000000Z"}
QUERY = (
    f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={CREDENTIAL}"
    "&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab"
)

MALFORMED: list[tuple[str, dict[str, str], str, type[ServiceError], str]] = [
    (
        "not an AWS4 authorization",
        {**DATED, "authorization": "Bearer eyJhbGciOi"},
        "",
        MissingAuthenticationToken,
        "Request is missing Authentication Token",
    ),
    (
        "nothing but the algorithm",
        {"host": "iam.amazonaws.com", "authorization": "AWS4-HMAC-SHA256"},
        "",
        IncompleteSignature,
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256",
    ),
    (
        "no signature",
        {**DATED, "authorization": f"AWS4-HMAC-SHA256 Credential={CREDENTIAL}, SignedHeaders=host"},
        "",
        IncompleteSignature,
        "Authorization header requires 'Signature' parameter. "
        f"Authorization=AWS4-HMAC-SHA256 Credential={CREDENTIAL}, SignedHeaders=host",
    ),
    (
        "a space inside the credential",
        {**DATED, "authorization": GOOD_AUTH.replace("Credential=", "Credential= ")},
        "",
        IncompleteSignature,
        f"'{CREDENTIAL}' not a valid key=value pair (missing equal-sign) in Authorization "
        f"header: '{GOOD_AUTH.replace('Credential=', 'Credential= ')}'.",
    ),
    (
        "an extended ISO 8601 date",
        {**DATED, "x-amz-date": "2026-01-01T00:00:00Z", "authorization": GOOD_AUTH},
        "",
        IncompleteSignature,
        "Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    ),
    (
        "an HTTP date in X-Amz-Date",
        {**DATED, "x-amz-date": "Thu, 01 Jan 2026 00:00:00 GMT", "authorization": GOOD_AUTH},
        "",
        IncompleteSignature,
        "Date must be in ISO-8601 'basic format'. Got 'Thu, 01 Jan 2026 00:00:00 GMT'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    ),
    (
        "an HTTP date that is in year 10000 once in UTC",
        {
            "host": "iam.amazonaws.com",
            "date": "Fri, 31 Dec 9999 23:59:59 -0100",
            "authorization": GOOD_AUTH,
        },
        "",
        IncompleteSignature,
        "Date must be in ISO-8601 'basic format'. Got 'Fri, 31 Dec 9999 23:59:59 -0100'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    ),
    (
        "host not signed",
        {**DATED, "authorization": GOOD_AUTH.replace("host;", "")},
        "",
        SignatureDoesNotMatch,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    ),
    (
        "another algorithm",
        {**DATED, "authorization": GOOD_AUTH.replace("SHA256", "SHA512")},
        "",
        IncompleteSignature,
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
    ),
    (
        "a four-part credential",
        {**DATED, "authorization": GOOD_AUTH.replace("/aws4_request", "")},
        "",
        IncompleteSignature,
        "Credential must have exactly 5 slash-delimited elements, "
        "e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20260101/us-east-1/iam'",
    ),
    (
        "a wrong scope",
        {
            **DATED,
            "authorization": GOOD_AUTH.replace(CREDENTIAL, "AKID/20251231/EU_WEST/s3/aws5_request"),
        },
        "",
        SignatureDoesNotMatch,
        "Credential should be scoped to a valid region, not 'EU_WEST'. "
        "Credential should be scoped to correct service: 'iam'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20251231' != '20260101', from '20260101T000000Z'.",
    ),
    (
        "a signed header the request lacks",
        {**DATED, "authorization": GOOD_AUTH.replace("host;", "content-type;host;")},
        "",
        IncompleteSignature,
        "'content-type' is named as a SignedHeader, but it does not exist in the HTTP request.",
    ),
    (
        "both an Authorization header and a presigned query",
        {**DATED, "authorization": GOOD_AUTH},
        QUERY,
        SignatureDoesNotMatch,
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    ),
    (
        "a presigned query with another algorithm",
        {"host": "sts.amazonaws.com"},
        QUERY.replace("HMAC-SHA256", "ECDSA-P256-SHA256"),
        MissingAuthenticationToken,
        "Request is missing Authentication Token",
    ),
    (
        "a presigned query missing parts",
        {"host": "sts.amazonaws.com"},
        "X-Amz-Signature=ab&X-Amz-Date=20260101T000000Z",
        IncompleteSignature,
        "AWS query-string parameters must include 'X-Amz-Algorithm'. "
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "Re-examine the query-string parameters.",
    ),
    (
        "a presigned query whose X-Amz-Expires is not a number",
        {"host": "sts.amazonaws.com"},
        QUERY + "&X-Amz-Expires=soon",
        IncompleteSignature,
        "X-Amz-Expires should be a number",
    ),
]


@pytest.mark.parametrize(
    ("headers", "query", "error", "message"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_signature_gets_aws_error(
    headers: dict[str, str], query: str, error: type[ServiceError], message: str
) -> None:
    with pytest.raises(error) as caught:
        read_signature(HttpRequest("POST", "/", query, headers, b""))

    assert caught.value.message == message


def test_trailing_slash_after_the_credential_is_ignored_as_aws_does() -> None:
    headers = {**DATED, "authorization": GOOD_AUTH.replace("aws4_request", "aws4_request/")}

    signed = read_signature(HttpRequest("POST", "/", "", headers, b""))

    assert signed is not None and signed.access_key_id == ACCESS_KEY_ID


# --- the named steps against AWS's SigV4 test suite, as botocore computes them -----------

VECTOR_TIME = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)
VECTOR_HOST = "https://example.amazonaws.com"
VECTORS = {
    "get-vanilla": ("GET", "/", {}, b""),
    "get-vanilla-query-order-key-case": ("GET", "/?Param2=value2&Param1=value1", {}, b""),
    "get-vanilla-query-unreserved": (
        "GET",
        "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        "=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
        {},
        b"",
    ),
    "get-vanilla-utf8-query": ("GET", "/?%E1%88%B4=bar", {}, b""),
    "get-utf8": ("GET", "/%E1%88%B4", {}, b""),
    "get-space": ("GET", "/example%20space/", {}, b""),
    "get-slashes": ("GET", "//example//", {}, b""),
    "get-relative-relative": ("GET", "/example1/example2/../..", {}, b""),
    "get-header-value-trim": (
        "GET",
        "/",
        {"My-Header1": " value1", "My-Header2": ' "a   b   c"'},
        b"",
    ),
    "post-vanilla-query": ("POST", "/?Param1=value1", {}, b""),
    "post-x-www-form-urlencoded": (
        "POST",
        "/",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"Param1=value1",
    ),
}


@pytest.fixture
def vector_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    freeze_signer(monkeypatch, VECTOR_TIME)
    yield


@pytest.mark.usefixtures("vector_clock")
@pytest.mark.parametrize(("method", "target", "headers", "body"), VECTORS.values(), ids=VECTORS)
def test_named_steps_match_botocore_on_aws_test_suite(
    method: str, target: str, headers: dict[str, str], body: bytes
) -> None:
    request = AWSRequest(method=method, url=VECTOR_HOST + target, headers=headers, data=body)
    auth = SigV4Auth(credentials(), "service", "us-east-1")
    auth.add_auth(request)
    http = received(request.prepare())
    authorization = str(request.headers["Authorization"])
    del request.headers["Authorization"]  # so botocore recomputes what it signed
    signed = _vector_signed_request(authorization)

    ours = canonical_request(http, signed)
    assert ours == auth.canonical_request(request)
    assert string_to_sign(signed, ours) == auth.string_to_sign(request, ours)
    key = signing_key(SECRET, "20150830", "us-east-1", "service")
    assert signature(key, string_to_sign(signed, ours)) == signed.signature
    verify_signature(http, signed, SECRET)


def _vector_signed_request(authorization: str) -> SignedRequest:
    fields = dict(re.findall(r"(\w+)=([^,\s]+)", authorization))
    return SignedRequest(
        access_key_id=ACCESS_KEY_ID,
        scope_date="20150830",
        region="us-east-1",
        service="service",
        signed_headers=tuple(fields["SignedHeaders"].split(";")),
        signature=fields["Signature"],
        request_time=VECTOR_TIME,
        security_token=None,
        is_presigned=False,
        expires_seconds=None,
    )
