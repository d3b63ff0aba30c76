"""A request memoizes conditions and templates by serial number: never two alike."""

from __future__ import annotations

import json

from iamd.policy import Principal, RequestContext, compile_policy, decide, parse_policy


def test_a_templated_resource_never_answers_for_a_condition() -> None:
    """A failed MFA condition must deny even beside a matching ${aws:username} resource.

    Conditions and templates once drew serials from two counters, so a template's
    cached match could be read back as a condition's result and fail open.
    """
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::home/${aws:username}/*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    policies = [compile_policy(parse_policy(text), policy_id=f"p{i}") for i in range(3)]
    alice = Principal.user("123456789012", "alice")
    for mfa, expected in (("false", "implicitDeny"), ("true", "allowed")):
        request = RequestContext(
            alice,
            "s3:GetObject",
            "arn:aws:s3:::home/alice/x",
            {"aws:MultiFactorAuthPresent": mfa},
        )
        assert decide(request, identity=policies).kind == expected
