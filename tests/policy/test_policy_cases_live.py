"""The evaluation corpus again, through SimulateCustomPolicy on a live server.

Every case whose inputs the simulator API can express is sent as AWS's simulator
would take it: identity policies in PolicyInputList, the permissions boundary in
PermissionsBoundaryPolicyInputList, a resource-based policy in ResourcePolicy with the
caller in CallerArn and the resource's account in ResourceOwner, and the request's
context in ContextEntries — including the keys a live request derives from its caller
(``aws:username``, ``aws:PrincipalArn`` …), which the simulator only knows when told.
The decision must be the one the case documents, as `decide` gives it in-process.

The rest cannot be expressed, and each is skipped with its reason (``pytest -rs``
counts them); `test_inexpressible_cases_are_few_and_counted` pins the numbers, so a
case that silently stops being sent shows up as a failure.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from iamd.arn import parse_arn
from iamd.policy import RequestContext
from policy.test_policy_cases import _load, principal_from
from support import BOOTSTRAP, IamdServer

SESSION = "session policies cannot be expressed: SimulateCustomPolicy has no session input"
TRUST = "a trust policy must allow on its own; SimulateCustomPolicy has no such resource policy"
CALLER_KIND = "CallerArn names only IAM users, groups and roles; this caller is {kind}"
ROLE_SESSION = "a resource policy naming a role session needs a session caller CallerArn cannot be"
OWNER = "the resource ARN names an owner other than the case's resource account"

# How many of the corpus's cases each reason keeps out (the rest are all sent).
EXPECTED_SKIPS = {
    SESSION: 27,
    ROLE_SESSION: 16,
    TRUST: 11,
    CALLER_KIND.format(kind="anonymous"): 7,
    CALLER_KIND.format(kind="service"): 7,
    CALLER_KIND.format(kind="root"): 5,
    CALLER_KIND.format(kind="federated-user"): 2,
}
_ACCOUNT_ID = re.compile(r"\d{12}")


def inexpressible(case: dict[str, Any]) -> str | None:
    """Why SimulateCustomPolicy cannot carry this case, or None when it can."""
    kind = case["principal"]["kind"]
    if "session" in case:
        return SESSION
    if case.get("require_resource_allow"):
        return TRUST
    if kind not in ("user", "assumed-role"):
        return CALLER_KIND.format(kind=kind)
    if kind == "assumed-role" and "resource" in case:
        return ROLE_SESSION
    if _simulated_owner(case) != (case.get("resource_account") or case["principal"]["account"]):
        return OWNER
    return None


def _simulated_owner(case: dict[str, Any]) -> str:
    arn = parse_arn(case["request"]["resource"])
    if arn is not None and _ACCOUNT_ID.fullmatch(arn.account):
        return arn.account
    return str(case.get("resource_account") or case["principal"]["account"])


def _document(document: Any) -> str:
    if isinstance(document, list):
        document = {"Version": "2012-10-17", "Statement": document}
    return json.dumps(document, indent=2)


def _caller_arn(case: dict[str, Any]) -> str:
    principal = principal_from(case["principal"])
    return principal.parent_arn or principal.arn  # a role session is simulated as its role


def _context_entries(case: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The case's context and the keys `RequestContext` derives from its caller."""
    request = case["request"]
    full = RequestContext(
        principal_from(case["principal"]),
        request["action"],
        request["resource"],
        request.get("context", {}),
    )
    for name, values in full.keys.items():
        key_type = "string" if len(values) == 1 else "stringList"
        yield {"ContextKeyName": name, "ContextKeyType": key_type, "ContextKeyValues": list(values)}


def simulate_params(case: dict[str, Any]) -> dict[str, Any]:
    """SimulateCustomPolicy's input for one case."""
    request = case["request"]
    params: dict[str, Any] = {
        "PolicyInputList": [_document(d) for d in case.get("identity", [])],
        "ActionNames": [request["action"]],
        "ResourceArns": [request["resource"]],
        "CallerArn": _caller_arn(case),
        "ContextEntries": list(_context_entries(case)),
    }
    if "boundary" in case:
        params["PermissionsBoundaryPolicyInputList"] = [_document(case["boundary"])]
    if "resource" in case:
        params["ResourcePolicy"] = _document(case["resource"])
    if case.get("resource_account"):
        params["ResourceOwner"] = case["resource_account"]
    return params


@pytest.fixture(scope="module")
def root_iam(server: IamdServer) -> Any:
    """The bootstrap account's root: simulations change nothing, so one client serves all."""
    return server.client("iam", BOOTSTRAP.access_key_id, BOOTSTRAP.secret_access_key)


@pytest.mark.parametrize("case", _load())
def test_case_through_simulate_custom_policy(root_iam: Any, case: dict[str, Any]) -> None:
    reason = inexpressible(case)
    if reason is not None:
        pytest.skip(reason)
    answer = root_iam.simulate_custom_policy(**simulate_params(case))
    (result,) = answer["EvaluationResults"]
    assert result["EvalDecision"] == case["expected"], case["description"]
    specific = result.get("ResourceSpecificResults", [])  # none when simulated on "*"
    assert [r["EvalResourceDecision"] for r in specific] in ([], [case["expected"]])


def test_inexpressible_cases_are_few_and_counted() -> None:
    cases = [param.values[0] for param in _load()]
    reasons = Counter(inexpressible(case) for case in cases)
    sent = reasons.pop(None)
    assert dict(reasons) == EXPECTED_SKIPS
    assert sent >= 400 and sent + sum(reasons.values()) == len(cases)
