"""Validation messages, checked against AWS's recorded MalformedPolicyDocument answers.

The documents here are written for iamd; each invalid one is paired with the
recorded AWS scenario that produced the same failure, and the message must equal
the recorded one exactly (recordings replace the partition and region with
placeholders, which are put back).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamd.errors import MalformedPolicyDocument
from iamd.policy import policy_size, validate_policy
from iamd.policy.validate import PolicyKind, legacy_date_ok

RECORDED = Path(__file__).resolve().parents[1] / "data" / "aws-recorded" / "iam"
BUCKET = "arn:aws:s3:::example_bucket"


def recorded_message(file: str, scenario: str, step: str) -> str:
    recordings = json.loads((RECORDED / file).read_text())
    for name, body in recordings.items():
        if name.endswith(scenario):
            message: str = body["recorded-content"][step]["Error"]["Message"]
            return message.replace("<partition>", "aws").replace("<region>", "us-east-1")
    raise KeyError(scenario)


def invalid(index: int) -> str:
    return recorded_message(
        "policies.json", f"test_create_policy_invalid_document[invalid-{index}]", "error"
    )


def doc(statement: Any, version: str | None = "2012-10-17", **top: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": statement, **top}
    if version is not None:
        document = {"Version": version, **document}
    return document


def stmt(**elements: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, **elements}


def reason(document: Any, kind: PolicyKind = "managed") -> str | None:
    text = document if isinstance(document, str) else json.dumps(document)
    try:
        validate_policy(text, kind)
    except MalformedPolicyDocument as error:
        return error.message
    return None


INVALID = [
    (0, "{not json"),
    (1, doc(stmt(), version=None)),
    (2, doc(stmt(), version="2008-10-17")),
    (3, doc(stmt(), version="2012-10-18")),
    (4, {"Version": "2012-10-17"}),
    (5, doc(["not a statement"])),
    (6, doc(stmt(), Comment="extra top-level field")),
    (7, doc(stmt(Extra="field"))),
    (8, doc(stmt(), Id=["an", "array"])),
    (10, doc(stmt(Effect="Permit"))),
    (11, doc(stmt(Action="ListBucket"))),
    (12, doc({"Effect": "Allow", "NotAction": "", "Resource": BUCKET})),
    (13, doc(stmt(Action="a a:ListBucket"))),
    (14, doc(stmt(Action="s3:List:Bucket"))),
    (16, doc(stmt(Resource="invalid resource"))),
    (17, doc(stmt(Resource=""))),
    (18, doc(stmt(Action="s:3:ListBucket", Resource="sdfsadf"))),
    (19, doc(stmt(Resource=["adf"]))),
    (21, doc({"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": "a:bsdfdsafsad"})),
    (22, doc({"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": "a:b:cadfsdf"})),
    (23, doc({"Effect": "Allow", "NotAction": "s3:ListBucket", "Resource": "a:b:c:d:e:f:g:h"})),
    (24, doc(stmt(Resource="aws:s3:::example_bucket"))),
    (25, doc(stmt(Resource=["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"]))),
    (26, doc([])),
    (27, doc({"Effect": "Allow", "Action": "s3:ListBucket"})),
    (28, doc(stmt(Resource=[]))),
    (29, doc({"Effect": "Allow", "Action": "ListBucket"})),
    (30, doc({"Effect": "Allow", "Resource": BUCKET})),
    (31, doc({"Action": "s3:ListBucket", "Resource": BUCKET})),
    (33, doc(stmt(Action=[]))),
    (34, doc([{"Effect": "Deny"}, stmt()])),
    (35, doc(stmt(Resource="arn:aws:iam:::example_bucket"))),
    (36, doc(stmt(Resource="arn:aws:s3::example_bucket"))),
    (38, doc(stmt(Resource="arn:aws"))),
    (39, doc(stmt(Resource={"a": BUCKET}))),
    (
        41,
        doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET, "NotResource": []}),
    ),
    (42, doc(stmt(Action=[[]]))),
    (45, doc(stmt(Condition=[]))),
    (46, doc(stmt(Condition="a"))),
    (47, doc(stmt(Condition={"a": "b"}))),
    (50, doc(stmt(Condition={"DateGreaterThan": {"a": {}}}))),
    (52, doc(stmt(Condition={"Unknown": {"a": "1"}}))),
    (53, doc(stmt(Condition={"ForAnyValue::StringEqualsIfExists": {"a": "asf"}}))),
    (55, doc(stmt(Resource="arn:aws:iam:us-east-1::example_bucket"))),
    (56, doc(stmt(Resource="arn:aws:s3:us-east-1::example_bucket"))),
    (57, doc(stmt(Sid={}))),
    (59, doc([stmt(Sid="same"), {"Sid": "same", "Effect": "Allow"}])),
    (60, doc([stmt(Sid="same"), {"Sid": "same", "Effect": "Allow"}], version=None)),
    (61, doc(stmt(NotAction="s3:ListBucket"))),
    (63, doc(stmt(Effect="denY"))),
    (64, doc(stmt(Condition={"DateGreaterThan": {"a": "sdfdsf"}}))),
    (66, doc(stmt(Effect="denY"), version=None)),
    (67, doc({"Effect": "Allow", "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}})),
    (
        68,
        doc(
            {
                "Effect": "Allow",
                "NotAction": "s3:ListBucket",
                "Resource": "arn:aws::::example_bucket",
            }
        ),
    ),
    (70, doc([stmt(Sid="same", Effect="aLLow"), {"Sid": "same", "Effect": "Allow"}])),
    (
        71,
        doc(
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "NotResource": "arn:aws:s3::example_bucket",
            }
        ),
    ),
    (72, doc(stmt(Condition={"DateLessThanEquals": {"a": "234-13"}}))),
    (73, doc(stmt(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}}))),
    (74, doc(stmt(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.1999999999+10:59"}}))),
    (75, doc(stmt(Condition={"DateLessThan": {"a": "9223372036854775808"}}))),
    (
        76,
        doc(
            stmt(
                Resource="arn:error:s3:::example_bucket", Condition={"DateGreaterThan": {"a": "x"}}
            )
        ),
    ),
    (77, doc(stmt(Resource="arn:aws::fdsasf"))),
]


@pytest.mark.parametrize(("index", "document"), INVALID, ids=[f"invalid-{i}" for i, _ in INVALID])
def test_invalid_managed_policy_gets_awss_message(index: int, document: Any) -> None:
    assert reason(document) == invalid(index)


VALID = [
    doc(stmt(Resource=[BUCKET, "*"])),
    doc(stmt(Action="iam: asdf safdsf af ")),
    doc(stmt(Action="*")),
    doc([stmt()]),
    doc(stmt(Action="s3-s:ListBucket")),
    doc(stmt(Action="s3.s:ListBucket")),
    doc(stmt(Resource="arn:aws:iam:::user/example_bucket")),
    doc(stmt(Resource="arn:aws:s33:::example_bucket")),
    doc(stmt(Resource="arn:aws:fdsasf")),
    doc(stmt(Resource="arn:aws:cloudwatch:us-east-1::example_bucket")),
    doc(stmt(Resource="arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point/object/*")),
    doc(stmt(Resource="arn:aws:iam::*:user/${aws:username}")),
    doc(stmt(Condition={})),
    doc(stmt(Condition={"x": {}, "y": {}})),
    doc(stmt(Condition={"DateGreaterThan": {}})),
    doc(stmt(Condition={"DateGreaterThan": {"a": []}})),
    doc(stmt(Condition={"DateGreaterThan": {"a": "01T"}})),
    doc(stmt(Condition={"DateLessThan": {"a": "-292275054"}})),
    doc(stmt(Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+23"}})),
    doc(stmt(Condition={"DateLessThanEquals": {"a": "2016-12-13T21:20:37.593194+00:00"}})),
    doc(stmt(Condition={"ForAnyValue:StringEqualsIfExists": {"a": "asf"}})),
    doc(stmt(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}})),
    doc({"Effect": "Allow", "NotAction": "s3:ListBucket", "NotResource": "*"}),
    doc([stmt(Sid=""), stmt(Sid="")]),
    doc(stmt(), Id="policy-id"),
]


@pytest.mark.parametrize("document", VALID)
def test_valid_managed_policy_is_accepted(document: Any) -> None:
    assert reason(document) is None


def test_identity_policies_may_not_name_principals() -> None:
    document = doc(stmt(Principal={"AWS": "*"}))
    for kind in ("managed", "inline", "session"):
        assert reason(document, kind) == "Policy document should not specify a principal."


def test_inline_policies_keep_the_legacy_language_version() -> None:
    assert reason(doc(stmt(), version="2008-10-17"), "inline") is None
    assert reason(doc(stmt(), version=None), "inline") is None


TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def trust_error(step: str) -> str:
    return recorded_message("roles.json", "test_update_assume_role_policy_errors", step)


def test_trust_policy_that_is_not_json() -> None:
    assert reason("not json", "trust") == trust_error("invalid-json-error")
    general = recorded_message(
        "general.json",
        "test_create_role_with_malformed_assume_role_policy_document",
        "invalid-json",
    )
    assert reason('{"Version": "2012-10-17", "Statement": [],}', "trust") == general


def test_trust_policy_may_only_grant_assume_role_actions() -> None:
    assert reason(doc({**TRUST, "Action": "sts:Invalid"}), "trust") == trust_error(
        "invalid-action-error"
    )
    for action in (
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:TagSession",
        ["sts:AssumeRole*"],
    ):
        assert reason(doc({**TRUST, "Action": action}), "trust") is None


def test_trust_policy_has_no_resource() -> None:
    assert reason(doc({**TRUST, "Resource": BUCKET}), "trust") == trust_error(
        "resource-field-error"
    )


def test_trust_policy_needs_and_checks_principals() -> None:
    no_principal = {key: value for key, value in TRUST.items() if key != "Principal"}
    assert "has a statement with no principals" in str(reason(doc(no_principal), "trust"))
    bad = doc({**TRUST, "Principal": {"AWS": "not-an-arn"}})
    assert reason(bad, "trust") == 'Invalid principal in policy: "AWS":"not-an-arn"'
    for principal in (
        "*",
        {"AWS": "123456789012"},
        {"AWS": "arn:aws:iam::123456789012:root"},
        {"AWS": ["arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:role/path/r"]},
        {"AWS": "arn:aws:sts::123456789012:assumed-role/r/session"},
        {"Federated": "arn:aws:iam::123456789012:saml-provider/corp"},
        {"Federated": "accounts.google.com"},
    ):
        assert reason(doc({**TRUST, "Principal": principal}), "trust") is None, principal


def test_trust_policies_accept_the_2008_version() -> None:
    assert reason(doc(TRUST, version="2008-10-17"), "trust") is None


def test_resource_policies_need_a_principal_and_a_resource() -> None:
    assert reason(doc(stmt()), "resource") == "Missing required field Principal"
    assert reason(doc(stmt(Principal="*")), "resource") is None
    assert reason(doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*"}), "resource") == (
        "Policy statement must contain resources."
    )


def test_policy_size_ignores_whitespace() -> None:
    assert policy_size('{ "a" :\n\t"b c" }') == len('{"a":"bc"}')
    assert policy_size("") == 0


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2019-07-01T13:20:15Z", True),
        ("1700000000", True),
        ("-5", True),
        ("2020-02-30", True),
        ("2020-13-01", False),
        ("12:00", False),
        ("2020-01-01T24:00:00Z", False),
        ("2020-01-01T10:00:00-05:00", True),
    ],
)
def test_legacy_date_values(value: str, ok: bool) -> None:
    assert legacy_date_ok(value) is ok
