"""iamd's one addition to the CloudTrail record: ``iamdDecision``, why a call was decided so.

CloudTrail says what was done and by whom, never why it was allowed. iamd knows the
statement behind every decision at the moment it is made (`iamd.authz.journal`), and
writes it under this one field, which tools that read CloudTrail's schema ignore::

    "iamdDecision": {
      "decision": "allowed" | "denied" | "notEvaluated",
      "evaluations": [{
        "action": "iam:DeleteRole",
        "resource": "arn:aws:iam::111122223333:role/app",
        "decision": "allowed" | "explicitDeny" | "implicitDeny",
        "basis": "policies" | "root user" | "limits of temporary credentials" | …,
        "decidedBy": "identity-based" | "permissions boundary" | "session" |
                     "resource-based",
        "reasons": ["allowed by identity-based policy"],
        "statements": [{"policy": "arn:aws:iam::111122223333:policy/Ops",
                        "policyKind": "managed", "versionId": "v2",
                        "owner": "group/ops", "source": "identity-based",
                        "effect": "Allow", "sid": "Roles", "index": 0,
                        "line": 1, "column": 40}],
        "limitedBy": [{"policy": "arn:…:policy/Boundary",
                       "policyKind": "permissions boundary", "versionId": "v1"}]
      }]
    }

One evaluation per (action, resource) the call needed, in the order they were
decided: the call's own action first, then tagging and dependent actions (a denied
one is the last). ``statements`` are the ones that decided — every Allow that
allowed (identity, boundary and session alike), or every Deny that denied; an
implicit deny has none, and ``limitedBy`` names the layer whose missing Allow capped
it (the permissions boundary or the session policies). ``policyKind`` is
``managed``, ``inline`` (``owner`` says whose, when not the caller's own),
``permissions boundary``, ``session policy`` or ``trust policy``. A call that failed
before it was authorized (a bad signature, invalid input) is ``notEvaluated``.
"""

from __future__ import annotations

from typing import Any

from iamd.authz.journal import BY_POLICIES, Evaluation, Journal, Origin
from iamd.policy import Decision
from iamd.policy.decide import MatchedStatement

FIELD = "iamdDecision"

Element = dict[str, Any]

# The layer an implicit deny names → the origins of the policies of that layer.
_LIMITING = {"permissions boundary": "permissions boundary", "session": "session policy"}


def decision_element(journal: Journal | None) -> Element:
    """The ``iamdDecision`` element for the evaluations of one call."""
    evaluations = journal.evaluations if journal is not None else []
    if not evaluations:
        return {"decision": "notEvaluated", "evaluations": []}
    # One loop, not all() and a comprehension: this runs for every request.
    elements = []
    allowed = True
    for evaluation in evaluations:
        allowed = allowed and evaluation.allowed
        elements.append(_evaluation(evaluation))
    return {"decision": "allowed" if allowed else "denied", "evaluations": elements}


def denied_element(reason: str) -> Element:
    """A refusal decided outside the policy engine (a console sign-in), with its reason."""
    return {"decision": "denied", "evaluations": [], "reason": reason}


def _evaluation(evaluation: Evaluation) -> Element:
    element: Element = {"action": evaluation.action, "resource": evaluation.resource}
    decision = evaluation.decision
    if decision is None:
        element["decision"] = "allowed" if evaluation.allowed else "implicitDeny"
        element["basis"] = evaluation.basis
        return element
    element["decision"] = decision.kind
    element["basis"] = evaluation.basis or BY_POLICIES
    if decision.deciding_policy_type is not None:
        element["decidedBy"] = decision.deciding_policy_type
    element["reasons"] = list(decision.reasons)
    element["statements"] = [_statement(m, evaluation) for m in decision.matched]
    if decision.kind == "implicitDeny":  # only an implicit deny is capped by a layer
        limits = _limits(decision, evaluation)
        if limits:
            element["limitedBy"] = limits
    return element


def _statement(matched: MatchedStatement, evaluation: Evaluation) -> Element:
    element = _policy(matched.policy_id, _origin(matched, evaluation))
    element["source"] = matched.source
    element["effect"] = matched.effect
    if matched.sid:
        element["sid"] = matched.sid
    element["index"] = matched.index
    element["line"], element["column"] = matched.start
    return element


def _origin(matched: MatchedStatement, evaluation: Evaluation) -> Origin | None:
    """Which of the policies with this id it was: the one of the statement's layer."""
    candidates = evaluation.origins.get(matched.policy_id, ())
    wanted = _LIMITING.get(matched.source)
    for origin in candidates:
        if (origin.kind == wanted) if wanted else origin.kind in ("managed", "inline"):
            return origin
    if matched.source == "resource-based" and matched.policy_type == "Trust Policy":
        return Origin("trust policy")
    return candidates[0] if candidates else None


def _limits(decision: Decision, evaluation: Evaluation) -> list[Element]:
    """The boundary or session policies whose missing Allow capped an implicit deny."""
    kind = _LIMITING.get(decision.deciding_policy_type or "")
    if decision.kind != "implicitDeny" or kind is None:
        return []
    return [
        _policy(policy_id, origin)
        for policy_id, origins in evaluation.origins.items()
        for origin in origins
        if origin.kind == kind
    ]


def _policy(policy_id: str, origin: Origin | None) -> Element:
    element: Element = {"policy": policy_id}
    if origin is not None:
        element["policyKind"] = origin.kind
        if origin.version_id:
            element["versionId"] = origin.version_id
        if origin.owner:
            element["owner"] = origin.owner
    return element
