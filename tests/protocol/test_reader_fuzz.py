"""Property fuzzing of every reader that sees untrusted bytes: they answer AWS's errors.

The policy parser and validator, the SigV4 reader and verifier, the web identity
token reader and the SAML Response reader take text from anyone. Hypothesis throws
hostile shapes at each — JSON nested and mistyped, headers with NUL and surrogates,
tokens of random segments, XML with entities and deep nesting — and each must either
succeed or raise an `iamd.errors.ServiceError`, never anything else. A fixed budget
runs here (derandomized, so CI is reproducible); `make fuzz` raises it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamd.auth.sigv4 import HttpRequest, check_request_time, read_signature, verify_signature
from iamd.errors import ServiceError
from iamd.policy import validate_policy
from iamd.sts.oidc_token import read_unverified
from iamd.sts.saml_assertion import verified_assertion

EXAMPLES = int(os.environ.get("IAMD_FUZZ_READER_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=EXAMPLES <= 1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
NOW = datetime(2026, 12, 4, tzinfo=UTC)

hostile_text = st.text(
    alphabet=st.characters(blacklist_categories=()), max_size=200
) | st.sampled_from(["\x00", "\ud800", "9" * 5000, "-1e400", "NaN", "{" * 3000, "[" * 3000])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=25,
)
policy_keys = st.sampled_from(
    [
        "Version",
        "Statement",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
        "Sid",
        "Id",
        "AWS",
        "StringLike",
        "aws:x",
    ]
)
policy_like = st.recursive(
    st.sampled_from(["2012-10-17", "Allow", "Deny", "*", "iam:*", "arn:aws:iam::*:user/*"])
    | hostile_text
    | st.integers()
    | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(policy_keys, inner, max_size=5),
    max_leaves=30,
)


def only_service_errors(call: Any, *args: Any) -> None:
    with contextlib.suppress(ServiceError):
        call(*args)


@FUZZ
@given(document=policy_like | json_values, kind=st.sampled_from(["identity", "trust", "resource"]))
def test_the_policy_reader_answers_only_aws_errors(document: Any, kind: str) -> None:
    only_service_errors(validate_policy, json.dumps(document), kind)


@FUZZ
@given(text=hostile_text | st.sampled_from(['{"Statement":' * 2000, "\ufeff{}", '{"a":1,"a":2}']))
def test_the_policy_reader_survives_any_text(text: str) -> None:
    only_service_errors(validate_policy, text, "identity")


authorization = (
    st.builds(
        (
            "AWS4-HMAC-SHA256 Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, Signature={}"
        ).format,
        hostile_text,
        hostile_text,
        hostile_text,
        st.sampled_from(["iam", "sts", ""]),
        hostile_text,
        hostile_text,
    )
    | hostile_text
)
header_values = hostile_text.map(
    lambda text: text.encode("utf-8", "surrogatepass").decode("latin-1")
)


@FUZZ
@given(
    authorization=authorization,
    amz_date=header_values | st.sampled_from(["20261204T000000Z", "99991231T235959Z", ""]),
    date=header_values | st.just("Fri, 31 Dec 9999 23:59:59 -0100"),
    token=st.none() | header_values,
    query=header_values,
)
def test_the_signature_reader_answers_only_aws_errors(
    authorization: str, amz_date: str, date: str, token: str | None, query: str
) -> None:
    headers = {"authorization": authorization, "x-amz-date": amz_date, "date": date, "host": "h"}
    if token is not None:
        headers["x-amz-security-token"] = token
    request = HttpRequest("POST", "/", query, headers, b"Action=GetUser")
    with contextlib.suppress(ServiceError):
        signed = read_signature(request)
        if signed is not None:
            check_request_time(signed, NOW)
            verify_signature(request, signed, "secret")


def segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_segment = json_values.map(lambda value: segment(json.dumps(value).encode()))
token_text = (
    st.builds(
        "{}.{}.{}".format,
        json_segment | hostile_text,
        json_segment | hostile_text,
        st.binary(max_size=64).map(segment) | hostile_text,
    )
    | hostile_text
)


@FUZZ
@given(text=token_text)
def test_the_web_identity_token_reader_answers_only_aws_errors(text: str) -> None:
    only_service_errors(read_unverified, text)


xml_bodies = (
    st.sampled_from(
        [
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">'
            '<!ENTITY b "&a;&a;&a;">]><r>&b;</r>',
            '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>',
            "<a>" * 5000 + "</a>" * 5000,
            '<?xml version="1.0" encoding="bogus"?><r/>',
            '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
        ]
    )
    | hostile_text
)


@FUZZ
@given(document=xml_bodies, encode=st.booleans())
def test_the_saml_reader_answers_only_aws_errors(document: str, encode: bool) -> None:
    raw = document.encode("utf-8", "surrogatepass")
    encoded = base64.b64encode(raw).decode() if encode else document
    only_service_errors(verified_assertion, encoded, [], "https://idp.example.com", NOW)
