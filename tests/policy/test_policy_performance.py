"""Decision speed: compiled policies make a decision pure in-memory work.

The budget in the design is about 20 µs p50 for a principal with 10 policies and
50 statements with conditions. The assertion here is deliberately loose (shared CI
machines are noisy); the printed figures are what to compare.
"""

from __future__ import annotations

import json
import statistics
import time

from iamd.policy import Principal, RequestContext, compile_policy, decide, validate_policy
from iamd.policy.evaluate import Policy

ACCT = "111122223333"
SERVICES = ["s3", "ec2", "iam", "sqs", "sns", "dynamodb", "lambda", "kms", "logs", "sts"]
CONDITION = {
    "StringEquals": {"aws:PrincipalTag/team": ["blue", "green"]},
    "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
    "Bool": {"aws:SecureTransport": "true"},
    "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
}


def principal_policies() -> list[Policy]:
    policies = []
    for index in range(10):
        statements = []
        for number in range(5):
            service = SERVICES[(index + number) % len(SERVICES)]
            statements.append(
                {
                    "Sid": f"S{number}",
                    "Effect": "Allow",
                    "Action": [
                        f"{service}:Get*",
                        f"{service}:List*",
                        f"{service}:Describe{number}",
                    ],
                    "Resource": [
                        f"arn:aws:{service}::{ACCT}:user/{index}/*",
                        f"arn:aws:{service}::*:user/${{aws:username}}/*",
                    ],
                    "Condition": CONDITION,
                }
            )
        text = json.dumps({"Version": "2012-10-17", "Statement": statements})
        policies.append(compile_policy(validate_policy(text, "managed"), policy_id=f"P{index}"))
    return policies


def p50_microseconds(policies: list[Policy], request: RequestContext, rounds: int = 3000) -> float:
    """Median time of `decide` on fresh requests (a request remembers its condition results)."""
    fresh = [
        RequestContext(request.principal, request.action, request.resource, request.context)
        for _ in range(rounds + 200)
    ]
    for warmup in fresh[:200]:
        decide(warmup, identity=policies)
    timings = []
    for each in fresh[200:]:
        start = time.perf_counter()
        decide(each, identity=policies)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1e6


def test_decision_speed_with_fifty_conditional_statements() -> None:
    policies = principal_policies()
    context = {
        "aws:SourceIp": "10.1.2.3",
        "aws:SecureTransport": "true",
        "aws:CurrentTime": "2025-01-01T00:00:00Z",
    }
    alice = Principal.user(ACCT, "alice", tags={"team": "blue"})
    typical = RequestContext(
        alice, "sqs:ReceiveMessage", "arn:aws:sqs::111122223333:user/alice/q", context
    )
    heavy = RequestContext(alice, "s3:GetObject", "arn:aws:s3::111122223333:user/alice/x", context)
    assert decide(typical, identity=policies).kind == "implicitDeny"
    assert decide(heavy, identity=policies).allowed
    typical_us, heavy_us = p50_microseconds(policies, typical), p50_microseconds(policies, heavy)
    print(f"p50: typical {typical_us:.1f} µs, every s3 statement matching {heavy_us:.1f} µs")
    assert typical_us < 200 and heavy_us < 500
