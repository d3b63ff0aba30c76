"""Create group's checks before any call: AWS's name rules and the ten-policy quota."""

from __future__ import annotations

from iamd.console.views.groups import MAX_GROUP_POLICIES, _problem


def test_up_to_ten_policies() -> None:
    arns = [f"arn:aws:iam::aws:policy/P{index}" for index in range(MAX_GROUP_POLICIES + 1)]
    assert _problem("admins", arns[:MAX_GROUP_POLICIES]) is None
    assert _problem("admins", arns) == "A group can have at most 10 policies; 11 chosen."


def test_a_bad_name_gets_awss_validation_message() -> None:
    problem = _problem("bad name!", [])
    assert problem is not None and "groupName" in problem
