"""Resource ARN rules of the policy grammar."""

from __future__ import annotations

import pytest

from iamd.policy.resources import IAM_PATH_ERROR, legacy_resource_ok, resource_format_error


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("*", None),
        ("arn:aws:s3:::bucket/*", None),
        ("arn:aws-cn:s3:::bucket", None),
        ("arn:*:s3:::bucket", None),
        ("arn:aws:iam::123456789012:*", None),
        ("arn:aws:iam::123456789012:root", None),
        ("arn:aws:iam::123456789012:role/path/name", None),
        ("arn:aws:ec2:us-east-1:123456789012:instance/*", None),
        ("bucket", 'Resource bucket must be in ARN format or "*".'),
        ("arn:aws", "Resource vendor must be fully qualified and cannot contain regexes."),
        ("arn:awz:s3:::b", 'Partition "awz" is not valid for resource "arn:awz:s3:::b".'),
        ("x:y", 'Partition "y" is not valid for resource "arn:y:*:*:*:*".'),
        ("arn:aws:iam::123456789012:thing/x", IAM_PATH_ERROR),
        (
            "arn:aws:iam:eu-west-1::user/x",
            "IAM resource arn:aws:iam:eu-west-1::user/x cannot contain region information.",
        ),
        (
            "arn:aws:s3:eu-west-1::b",
            "Resource arn:aws:s3:eu-west-1::b can not contain region information.",
        ),
    ],
)
def test_resource_format(resource: str, message: str | None) -> None:
    assert resource_format_error(resource) == message


@pytest.mark.parametrize(
    ("resource", "ok"),
    [
        ("*", True),
        ("arn:aws:s3:::b", True),
        ("arn:aws:s3", True),
        ("arn:aws:s3::b", False),
        ("arn:aws::::x", False),
    ],
)
def test_legacy_resource(resource: str, ok: bool) -> None:
    assert legacy_resource_ok(resource) is ok
