"""Globs for actions (case-insensitive) and resources (case-sensitive)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamd.policy.match import (
    arn_matches,
    compile_actions,
    compile_resources,
    glob_matches,
    glob_to_regex,
)


@pytest.mark.parametrize(
    ("patterns", "action", "expected"),
    [
        (["s3:Get*"], "s3:GetObject", True),
        (["s3:Get*"], "S3:GETOBJECT", True),
        (["S3:get*"], "s3:GetObject", True),
        (["s3:GetObject"], "s3:getobject", True),
        (["s3:GetObject"], "s3:GetObjectAcl", False),
        (["s3:Get?bject"], "s3:GetObject", True),
        (["iam:Get*", "s3:*"], "s3:PutObject", True),
        (["iam:Get*", "s3:Put"], "s3:PutObject", False),
        (["*"], "anything:AtAll", True),
        (["**"], "anything:AtAll", True),
        ([], "s3:GetObject", False),
    ],
)
def test_actions(patterns: list[str], action: str, expected: bool) -> None:
    assert compile_actions(patterns).matches(action) is expected


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a", False),
        ("arn:aws:s3:::*", "arn:aws:s3:::b/k:with:colons", True),
        ("arn:aws:s3:::b?", "arn:aws:s3:::b1", True),
        ("arn:aws:s3:::b?", "arn:aws:s3:::b12", False),
        ("arn:aws:s3:::a.b", "arn:aws:s3:::axb", False),
        ("arn:aws:s3:::a+(b)|[c]$^\\", "arn:aws:s3:::a+(b)|[c]$^\\", True),
        ("arn:aws:s3:::line*", "arn:aws:s3:::line\nbreak", True),
    ],
)
def test_resources(pattern: str, resource: str, expected: bool) -> None:
    assert compile_resources([pattern]).matches(resource) is expected
    assert glob_matches(pattern, resource) is expected


def test_compiled_names_are_cached_and_shared() -> None:
    first = compile_actions(["ec2:Describe*", "ec2:Get*"])
    second = compile_actions(["ec2:Describe*", "ec2:Get*"])
    assert first.regex is second.regex


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("arn:aws:sns:*:111122223333:t*", "arn:aws:sns:us-east-1:111122223333:topic", True),
        ("arn:aws:sns:*:111122223333:t*", "arn:aws:sns:us-east-1:999999999999:topic", False),
        (
            "arn:aws:x:*:111122223333:finance/*",
            "arn:aws:x:us-east-2:999999999999:store/abc:111122223333:finance/d",
            False,
        ),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b", True),
        ("arn:aws:s3:::bucket", "not-an-arn", False),
        ("*", "arn:aws:s3:::bucket", False),
    ],
)
def test_arn_matching_is_per_component(pattern: str, arn: str, expected: bool) -> None:
    assert arn_matches(pattern, arn) is expected


@given(st.text(alphabet=st.characters(blacklist_characters="*?"), max_size=30))
def test_a_pattern_without_wildcards_matches_only_itself(text: str) -> None:
    assert glob_matches(text, text)
    assert not glob_matches(text, text + "x")
    assert glob_to_regex(text) != "" or text == ""


@given(st.text(max_size=20), st.text(max_size=20))
def test_star_matches_any_suffix(prefix: str, suffix: str) -> None:
    literal_prefix = prefix.replace("*", "").replace("?", "")
    assert glob_matches(literal_prefix + "*", literal_prefix + suffix)
