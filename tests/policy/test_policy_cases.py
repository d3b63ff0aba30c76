"""The evaluation corpus: every JSON case under cases/ run through `decide`.

Each case holds a one-sentence description naming the AWS rule it checks, the
policies by role (identity, boundary, session, resource), the caller, the request
and the decision AWS documents. Policies are validated as AWS would validate them
for their role before they are compiled, so the corpus only holds documents AWS
accepts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamd.policy import Principal, RequestContext, compile_policy, decide, validate_policy
from iamd.policy.evaluate import Policy
from iamd.policy.validate import PolicyKind

CASES_DIR = Path(__file__).parent / "cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for index, case in enumerate(json.loads(path.read_text())["cases"]):
            params.append(pytest.param(case, id=f"{path.stem}-{index}"))
    return params


def principal_from(spec: dict[str, Any]) -> Principal:
    kind = spec["kind"]
    account = spec.get("account", "")
    if kind == "user":
        return Principal.user(
            account, spec["name"], user_id=spec.get("user_id", ""), tags=spec.get("tags")
        )
    if kind == "assumed-role":
        return Principal.role_session(
            account,
            spec["role"],
            spec["session"],
            role_path=spec.get("role_path", "/"),
            role_id=spec.get("role_id", ""),
            tags=spec.get("tags"),
        )
    if kind == "root":
        return Principal.root(account)
    if kind == "federated-user":
        return Principal.federated_user(account, spec["name"], parent_arn=spec.get("parent"))
    if kind == "service":
        return Principal.service(spec["name"])
    assert kind == "anonymous", kind
    return Principal.anonymous()


def compile_document(document: Any, kind: PolicyKind, policy_id: str) -> Policy:
    if isinstance(document, list):
        document = {"Version": "2012-10-17", "Statement": document}
    parsed = validate_policy(json.dumps(document, indent=2), kind)
    return compile_policy(parsed, policy_id=policy_id)


def run_case(case: dict[str, Any]) -> str:
    identity = [
        compile_document(d, "inline", f"identity-{i}")
        for i, d in enumerate(case.get("identity", []))
    ]
    boundary = (
        compile_document(case["boundary"], "managed", "boundary") if "boundary" in case else None
    )
    session = None
    if "session" in case:
        session = [
            compile_document(d, "session", f"session-{i}") for i, d in enumerate(case["session"])
        ]
    resource = None
    if "resource" in case:
        kind: PolicyKind = "trust" if case.get("require_resource_allow") else "resource"
        resource = compile_document(case["resource"], kind, "resource")
    request = case["request"]
    context = RequestContext(
        principal_from(case["principal"]),
        request["action"],
        request["resource"],
        request.get("context", {}),
    )
    decision = decide(
        context,
        identity=identity,
        boundary=boundary,
        session=session,
        resource=resource,
        resource_account=case.get("resource_account"),
        require_resource_allow=case.get("require_resource_allow", False),
    )
    assert decision.allowed == (decision.kind == "allowed")
    return decision.kind


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any]) -> None:
    assert run_case(case) == case["expected"], case["description"]


def test_corpus_is_large_and_described() -> None:
    cases = [p.values[0] for p in _load()]
    assert len(cases) >= 400
    descriptions = [case["description"] for case in cases]
    assert len(set(descriptions)) == len(descriptions)
    assert all(d.endswith(".") and not d[0].islower() for d in descriptions)
    assert {case["expected"] for case in cases} == {"allowed", "explicitDeny", "implicitDeny"}
