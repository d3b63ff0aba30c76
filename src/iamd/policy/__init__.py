"""iamd.policy: the IAM policy language and AWS's evaluation logic, as a library.

Stages, one module each: `document` (parse JSON text into frozen dataclasses with
source positions), `validate` (AWS's MalformedPolicyDocument rules), `match` (globs),
`variables` (`${aws:username}` …), `conditions` (the operator table), `evaluate`
(does a statement apply; `compile_policy`), `decide` (the evaluation logic over
identity, boundary, session and resource policies) and `messages` (AccessDenied).

    document = validate_policy(text, "managed")
    policy = compile_policy(document, policy_id="ANPA…", policy_type="IAM Policy")
    request = RequestContext(Principal.user("123456789012", "alice"), "iam:ListUsers", "*")
    decision = decide(request, identity=[policy])
    if not decision.allowed:
        raise AccessDenied(access_denied_message(decision))
"""

from iamd.policy.context import Principal, RequestContext
from iamd.policy.decide import Decision, MatchedStatement, decide
from iamd.policy.document import PolicyDocument, Statement, parse_policy
from iamd.policy.evaluate import Policy, compile_policy
from iamd.policy.messages import access_denied_message
from iamd.policy.validate import PolicyKind, policy_size, validate_policy

__all__ = [
    "Decision",
    "MatchedStatement",
    "Policy",
    "PolicyDocument",
    "PolicyKind",
    "Principal",
    "RequestContext",
    "Statement",
    "access_denied_message",
    "compile_policy",
    "decide",
    "parse_policy",
    "policy_size",
    "validate_policy",
]
