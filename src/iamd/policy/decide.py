"""Decide: AWS's policy evaluation logic over every policy that applies to a request.

Inputs are compiled `Policy` objects in four roles — identity-based policies (the
caller's user, group and role policies), a permissions boundary, session policies
(passed when a role session or federated user session was created) and a
resource-based policy — plus the account that owns the resource. The answer is a
`Decision`: allowed or not, explicit or implicit deny, which policy type decided,
the statements that decided it and the reasons in words.

The rules (IAM User Guide, "Policy evaluation logic" and "Cross-account policy
evaluation logic"):

1. An explicit Deny in any policy wins. A Deny statement whose conditions cannot be
   evaluated counts as a Deny (AWS: "if the enforcement code encounters an error …
   it closes"); an Allow statement in error grants nothing.
2. The caller's own side — identity-based policies, limited by the permissions
   boundary and, for sessions, by session policies — allows when every present
   layer allows. The root user's own side always allows; services, federated
   identities and anonymous callers have no own side.
3. A resource-based Allow counts according to how its Principal names the caller:
   the caller itself (user, role session, federated session, `"*"`, a service) —
   not limited by implicit denies elsewhere; the role of a session or the user a
   federated session came from — limited by the boundary and session policies;
   the caller's account (or a NotPrincipal Allow) — delegated to the caller's side.
4. Same account: either side suffices. Cross-account: both must allow. Trust
   policies (and key policies) must allow whatever the caller's side says:
   `require_resource_allow=True`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from iamd.policy.context import RequestContext
from iamd.policy.document import Position
from iamd.policy.evaluate import CompiledStatement, Policy, applicability

PolicySource = Literal["identity-based", "permissions boundary", "session", "resource-based"]
DecisionKind = Literal["allowed", "explicitDeny", "implicitDeny"]

# Callers that have no policies of their own: only a resource-based policy can grant.
NO_OWN_SIDE = frozenset({"service", "federated", "anonymous"})
# How a resource-based Allow named the caller → what else must allow for it to count.
FULL_GRANT = frozenset({"wildcard", "direct", "service", "federated"})
LIMITED_GRANT = frozenset({"role", "parent"})


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    policy_id: str
    policy_type: str
    source: PolicySource
    sid: str | None
    effect: str
    start: Position
    end: Position
    principal_match: str | None = None
    index: int = 0  # the statement's place in its policy, for a record that names it


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    kind: DecisionKind
    deciding_policy_type: PolicySource | None
    matched: tuple[MatchedStatement, ...]
    reasons: tuple[str, ...]
    request: RequestContext


@dataclass(frozen=True, slots=True)
class _Scan:
    """What one group of policies says: matching Allows and Denies."""

    allows: tuple[MatchedStatement, ...] = ()
    denies: tuple[MatchedStatement, ...] = ()
    errors: int = 0


@dataclass(frozen=True, slots=True)
class _Sides:
    """The caller's own side, layer by layer."""

    identity: bool
    boundary: bool
    session: bool

    @property
    def own(self) -> bool:
        return self.identity and self.boundary and self.session


def decide(
    request: RequestContext,
    *,
    identity: Sequence[Policy] = (),
    boundary: Policy | Sequence[Policy] | None = None,
    session: Sequence[Policy] | None = None,
    resource: Policy | None = None,
    resource_account: str | None = None,
    require_resource_allow: bool = False,
    scopes: Sequence[Policy] = (),
) -> Decision:
    """Decide one request; `session` None means no session policies were passed.

    `scopes` are the scope-down layers of GetScopedCredentials: each one on its own
    must allow what is allowed (their intersection), whoever the caller is.
    """
    boundaries = _as_tuple(boundary)
    scans: dict[PolicySource, _Scan] = {
        "identity-based": _scan(identity, "identity-based", request),
        "resource-based": _scan(
            _as_tuple(resource), "resource-based", request, bounded=bool(boundaries)
        ),
        "permissions boundary": _scan(boundaries, "permissions boundary", request),
        "session": _scan(session or (), "session", request),
    }
    layers = tuple(_scan((scope,), "session", request) for scope in scopes)
    denies = tuple(m for scan in (*scans.values(), *layers) for m in scan.denies)
    if denies:
        return _explicit_deny(request, denies)
    sides = _sides(request, scans, has_boundary=bool(boundaries), session=session)
    same_account = resource_account is None or resource_account == request.principal.account_id
    decision = _allow_or_implicit(request, scans, sides, same_account, require_resource_allow)
    if decision.allowed and not all(layer.allows for layer in layers):
        reason = f"implicit deny: no scope-down session policy allows {request.action}"
        return Decision(False, "implicitDeny", "session", (), (reason,), request)
    return decision


def _as_tuple(policies: Policy | Sequence[Policy] | None) -> tuple[Policy, ...]:
    if policies is None:
        return ()
    if isinstance(policies, Policy):
        return (policies,)
    return tuple(policies)


_NOTHING = _Scan()


def _scan(
    policies: Sequence[Policy], source: PolicySource, request: RequestContext, bounded: bool = False
) -> _Scan:
    if not policies:
        return _NOTHING
    allows: list[MatchedStatement] = []
    denies: list[MatchedStatement] = []
    errors = 0
    check_principal = source == "resource-based"
    for policy in policies:
        for statement in policy.action_matches(request):  # their Action matches already
            result = applicability(
                statement,
                request,
                check_principal=check_principal,
                check_action=False,
                bounded=bounded,
            )
            errors += result.is_error
            if result.applies or (result.is_error and not statement.is_allow):
                found = _matched(policy, source, statement, result.principal_match)
                (allows if statement.is_allow and result.applies else denies).append(found)
    return _Scan(tuple(allows), tuple(denies), errors)


def _matched(
    policy: Policy, source: PolicySource, statement: CompiledStatement, principal_match: str | None
) -> MatchedStatement:
    s = statement.statement
    return MatchedStatement(
        policy.policy_id,
        policy.policy_type,
        source,
        s.sid,
        s.effect,
        s.start,
        s.end,
        principal_match,
        statement.index,
    )


def _sides(
    request: RequestContext,
    scans: dict[PolicySource, _Scan],
    *,
    has_boundary: bool,
    session: Sequence[Policy] | None,
) -> _Sides:
    principal = request.principal
    match principal.kind:
        case "root":  # the root user may do anything in its account; no boundary applies
            return _Sides(identity=True, boundary=True, session=True)
        case kind if kind in NO_OWN_SIDE:  # no identity of its own to carry policies
            return _Sides(identity=False, boundary=True, session=True)
    boundary_ok = not has_boundary or bool(scans["permissions boundary"].allows)
    return _Sides(
        bool(scans["identity-based"].allows), boundary_ok, _session_allows(request, scans, session)
    )


def _session_allows(
    request: RequestContext, scans: dict[PolicySource, _Scan], session: Sequence[Policy] | None
) -> bool:
    principal = request.principal
    match (principal.is_session, session is not None):
        case (False, _):  # not a session: session policies do not apply
            return True
        case (True, True):  # session policies passed: one of them must allow
            return bool(scans["session"].allows)
        case _:  # none passed: a role session is unlimited, a federated user has nothing
            return principal.kind == "assumed-role"


def _resource_counts(principal_match: str | None, sides: _Sides) -> bool:
    """Does a resource-based Allow, naming the caller this way, grant on its own?"""
    match principal_match:
        case kind if kind in FULL_GRANT:  # granted to the caller itself: no implicit deny limits it
            return True
        case kind if kind in LIMITED_GRANT:  # granted to the session's role or parent user
            return sides.boundary and sides.session
        case _:  # the caller's account, or NotPrincipal: delegated to the caller's own side
            return sides.own


def _allow_or_implicit(
    request: RequestContext,
    scans: dict[PolicySource, _Scan],
    sides: _Sides,
    same_account: bool,
    require_resource_allow: bool,
) -> Decision:
    resource_allows = scans["resource-based"].allows
    counting = tuple(m for m in resource_allows if _resource_counts(m.principal_match, sides))
    has_own_side = request.principal.kind not in NO_OWN_SIDE
    match (same_account, require_resource_allow, sides.own, bool(counting), bool(resource_allows)):
        case (True, False, True, _, _):  # same account: the caller's own policies allow
            return _allowed(request, scans, "identity-based", counting)
        case (True, _, _, True, _):  # same account: the resource policy grants on its own
            return _allowed(request, scans, "resource-based", counting)
        case (False, _, True, _, True) if has_own_side:  # cross-account: both sides allow
            return _allowed(request, scans, "identity-based", resource_allows)
        case (False, _, _, True, _) if not has_own_side:  # service/anonymous: the resource decides
            return _allowed(request, scans, "resource-based", counting)
        case _:  # nothing that allows survived: implicit deny
            return _implicit_deny(request, scans, sides, same_account, require_resource_allow)


def _allowed(
    request: RequestContext,
    scans: dict[PolicySource, _Scan],
    source: PolicySource,
    resource_matches: tuple[MatchedStatement, ...],
) -> Decision:
    own: tuple[MatchedStatement, ...] = ()
    if source == "identity-based":
        own = (
            scans["identity-based"].allows
            + scans["permissions boundary"].allows
            + scans["session"].allows
        )
    matched = own + resource_matches
    reason = f"allowed by {source} policy" + (
        " and resource-based policy" if own and resource_matches else ""
    )
    return Decision(True, "allowed", source, matched, (reason,), request)


def _explicit_deny(request: RequestContext, denies: tuple[MatchedStatement, ...]) -> Decision:
    first = denies[0]
    reasons = tuple(
        f"explicit deny in {m.source} policy {m.policy_id} (Sid {m.sid or '-'})" for m in denies
    )
    return Decision(False, "explicitDeny", first.source, denies, reasons, request)


def _implicit_deny(
    request: RequestContext,
    scans: dict[PolicySource, _Scan],
    sides: _Sides,
    same_account: bool,
    require_resource_allow: bool,
) -> Decision:
    source = _missing_layer(request, sides, same_account, require_resource_allow, scans)
    reason = f"implicit deny: no {source} policy allows {request.action}"
    return Decision(False, "implicitDeny", source, (), (reason,), request)


def _missing_layer(
    request: RequestContext,
    sides: _Sides,
    same_account: bool,
    require_resource_allow: bool,
    scans: dict[PolicySource, _Scan],
) -> PolicySource:
    """The first layer, in AWS's order, whose missing Allow explains the deny."""
    needs_resource = (
        require_resource_allow or not same_account or request.principal.kind in NO_OWN_SIDE
    )
    if needs_resource and sides.own and not scans["resource-based"].allows:
        return "resource-based"
    if not sides.identity:
        return "resource-based" if request.principal.kind in NO_OWN_SIDE else "identity-based"
    if not sides.boundary:
        return "permissions boundary"
    if not sides.session:
        return "session"
    return "resource-based"
