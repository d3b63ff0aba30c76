"""Does one statement apply to a request? Compiled once, asked per request.

`compile_policy` turns a parsed document into a `Policy`: every statement's action,
resource, principal and condition elements compiled (globs to regular expressions,
condition values to typed matchers, policy variables to templates), and the
statements indexed by the service prefix of the actions they can match, so a request
for `s3:GetObject` never looks at statements that only name `iam:` actions.

`applicability(statement, request)` answers `APPLIES`, a `not-applies` outcome naming
the element that did not match, or an error (a condition that cannot be evaluated):
whether the statement's Allow or Deny then counts is `decide`'s business.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from iamd.policy.conditions import CompiledCondition, compile_condition
from iamd.policy.context import RequestContext
from iamd.policy.document import PolicyDocument, Statement
from iamd.policy.match import (
    NameSet,
    compile_actions,
    compile_regex,
    compile_resources,
)
from iamd.policy.principals import PrincipalMatcher, compile_principal
from iamd.policy.variables import Template, parse_template


@dataclass(frozen=True, slots=True)
class Applicability:
    """The answer for one statement: applies, does not (and why), or is erroneous."""

    applies: bool
    reason: str
    is_error: bool = False
    principal_match: str | None = None  # how a resource policy's Principal named the caller


APPLIES = Applicability(True, "all elements match")
NO_ACTION = Applicability(False, "action does not match")
NO_RESOURCE = Applicability(False, "resource does not match")
NO_PRINCIPAL = Applicability(False, "principal does not match")
NO_CONDITION = Applicability(False, "condition is not met")
CONDITION_ERROR = Applicability(False, "condition cannot be evaluated", is_error=True)

# Distinct action names a policy remembers `action_matches` for. Real traffic names a few
# hundred actions per policy at most; past the cap (the simulator and callers can name
# any string) the memo starts over, so it never grows without bound.
ACTION_MEMO_SIZE = 1024


@dataclass(frozen=True, slots=True)
class ResourceMatcher:
    """Resource/NotResource patterns: variable-free ones compiled, the rest templated."""

    static: NameSet
    templates: tuple[Template, ...]

    def matches(self, request: RequestContext) -> bool:
        if self.static.matches(request.resource):
            return True
        return any(_template_matches(template, request) for template in self.templates)


def _template_matches(template: Template, request: RequestContext) -> bool:
    """Does a templated Resource pattern match? Remembered for the rest of the request."""
    memo = request.memo
    found = memo.get(template.serial)
    if found is None:
        found = memo[template.serial] = _template_fullmatch(template, request)
    return bool(found)


def _template_fullmatch(template: Template, request: RequestContext) -> bool:
    pattern = template.pattern
    prefix = None if pattern is None else pattern.prefix(request.variable)
    if pattern is not None and prefix is not None:
        return pattern.fullmatch(prefix, request.resource)
    # No pattern, or a value holding NUL: render this request's regex instead.
    source = template.render_regex(request.variable)
    return (
        source is not None and compile_regex(source, False).fullmatch(request.resource) is not None
    )


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    statement: Statement
    index: int
    is_allow: bool
    actions: NameSet | None
    not_actions: NameSet | None
    resources: ResourceMatcher | None
    not_resources: ResourceMatcher | None
    principal: PrincipalMatcher | None
    not_principal: PrincipalMatcher | None
    conditions: tuple[CompiledCondition, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A compiled, cacheable policy: its id, its type as AWS names it, its statements."""

    policy_id: str
    policy_type: str
    document: PolicyDocument
    statements: tuple[CompiledStatement, ...]
    by_service: dict[str, tuple[CompiledStatement, ...]]
    any_service: tuple[CompiledStatement, ...]
    # No Condition, Principal or policy variable anywhere: whether a statement applies
    # depends on the action and the resource alone (see `is_context_free`).
    is_context_free: bool = False
    # action name → `action_matches`: which statements match depends on the action alone.
    by_action: dict[str, tuple[CompiledStatement, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def candidates(self, request: RequestContext) -> tuple[CompiledStatement, ...]:
        """The statements that can match the request's action, in document order."""
        return self.by_service.get(request.service, self.any_service)

    def action_matches(self, request: RequestContext) -> tuple[CompiledStatement, ...]:
        """The statements whose Action/NotAction matches the request's, in document order."""
        # Keyed by the action as sent, not lower-cased: IGNORECASE matching of
        # non-ASCII names need not agree with `str.lower()`.
        found = self.by_action.get(request.action)
        if found is None:
            found = self._remember_matches(request.action, self.candidates(request))
        return found

    def covers_every_resource(self, action: str) -> bool:
        """Does every statement naming ``action`` apply to every resource (``"*"``)?

        Then which resource a request names cannot change what this policy says of it.
        """
        found = self.by_action.get(action)
        if found is None:
            service, colon, _ = action.lower().partition(":")
            candidates = self.by_service.get(service if colon else "", self.any_service)
            found = self._remember_matches(action, candidates)
        return all(_names_every_resource(statement) for statement in found)

    def _remember_matches(
        self, action: str, candidates: tuple[CompiledStatement, ...]
    ) -> tuple[CompiledStatement, ...]:
        found = tuple(s for s in candidates if _names_action(s, action))
        if len(self.by_action) >= ACTION_MEMO_SIZE:
            self.by_action.clear()  # one call, safe under concurrent readers
        self.by_action[action] = found
        return found


def compile_policy(
    document: PolicyDocument, *, policy_id: str, policy_type: str = "IAM Policy"
) -> Policy:
    """Compile a parsed document once; the result is immutable and safe to share."""
    variables = document.supports_variables
    statements = tuple(
        _compile_statement(s, i, variables) for i, s in enumerate(document.statements)
    )
    by_service, any_service = _index(statements)
    context_free = all(is_context_free(statement) for statement in statements)
    return Policy(
        policy_id, policy_type, document, statements, by_service, any_service, context_free
    )


def is_context_free(statement: CompiledStatement) -> bool:
    """Does nothing but the action and the resource decide whether `statement` applies?"""
    return (
        not statement.conditions
        and statement.principal is None
        and statement.not_principal is None
        and not (statement.resources and statement.resources.templates)
        and not (statement.not_resources and statement.not_resources.templates)
    )


def _compile_statement(statement: Statement, index: int, variables: bool) -> CompiledStatement:
    return CompiledStatement(
        statement=statement,
        index=index,
        is_allow=statement.is_allow,
        actions=None if statement.action is None else compile_actions(statement.action),
        not_actions=None if statement.not_action is None else compile_actions(statement.not_action),
        resources=_compile_resources(statement.resource, variables),
        not_resources=_compile_resources(statement.not_resource, variables),
        principal=None if statement.principal is None else compile_principal(statement.principal),
        not_principal=None
        if statement.not_principal is None
        else compile_principal(statement.not_principal),
        conditions=tuple(compile_condition(c, variables=variables) for c in statement.condition),
    )


def _compile_resources(patterns: tuple[str, ...] | None, variables: bool) -> ResourceMatcher | None:
    if patterns is None:
        return None
    templates = [parse_template(p, enabled=variables) for p in patterns]
    static = [t.source for t in templates if not t.has_variables]
    dynamic = tuple(t for t in templates if t.has_variables)
    return ResourceMatcher(compile_resources(static), dynamic)


def _index(
    statements: tuple[CompiledStatement, ...],
) -> tuple[dict[str, tuple[CompiledStatement, ...]], tuple[CompiledStatement, ...]]:
    specific: dict[str, list[CompiledStatement]] = defaultdict(list)
    generic: list[CompiledStatement] = []
    for statement in statements:
        services = _services_of(statement)
        if services is None:
            generic.append(statement)
        for service in services or ():
            specific[service].append(statement)
    by_service = {service: _in_order(found, generic) for service, found in specific.items()}
    return by_service, tuple(generic)


def _in_order(*groups: list[CompiledStatement]) -> tuple[CompiledStatement, ...]:
    merged = {statement.index: statement for group in groups for statement in group}
    return tuple(merged[index] for index in sorted(merged))


def _services_of(statement: CompiledStatement) -> set[str] | None:
    """The services a statement's Action can name, or None when it may match any."""
    actions = statement.statement.action
    if actions is None:
        return None
    services = set()
    for action in actions:
        service, colon, _ = action.partition(":")
        if not colon or "*" in service or "?" in service:
            return None
        services.add(service.lower())
    return services


def applicability(
    statement: CompiledStatement,
    request: RequestContext,
    *,
    check_principal: bool,
    check_action: bool = True,
    bounded: bool = False,
) -> Applicability:
    """Does `statement` apply to `request`? Principal elements count only when asked.

    `check_action=False` skips the Action test for a statement `Policy.action_matches`
    returned, which has passed it already. `bounded`: the caller has a permissions
    boundary, which a NotPrincipal Deny never spares (IAM User Guide, "Permissions
    boundaries for IAM entities").
    """
    if check_action and not _action_matches(statement, request):
        return NO_ACTION
    if not _resource_matches(statement, request):
        return NO_RESOURCE
    principal_match = None
    if check_principal:
        principal_match = _principal_match(statement, request, bounded)
        if principal_match is None:
            return NO_PRINCIPAL
    for condition in statement.conditions:
        result = condition.holds(request)
        if result is None:
            return CONDITION_ERROR
        if not result:
            return NO_CONDITION
    if principal_match is None:
        return APPLIES
    return Applicability(True, APPLIES.reason, principal_match=principal_match)


def _action_matches(statement: CompiledStatement, request: RequestContext) -> bool:
    return _names_action(statement, request.action)


def _names_action(statement: CompiledStatement, action: str) -> bool:
    if statement.actions is not None:
        return statement.actions.matches(action)
    if statement.not_actions is not None:
        return not statement.not_actions.matches(action)
    return False  # a statement without actions grants and denies nothing


def _names_every_resource(statement: CompiledStatement) -> bool:
    resources = statement.resources
    return (
        resources is not None and resources.static.matches_all and statement.not_resources is None
    )


def _resource_matches(statement: CompiledStatement, request: RequestContext) -> bool:
    if statement.resources is not None:
        return statement.resources.matches(request)
    if statement.not_resources is not None:
        return not statement.not_resources.matches(request)
    return True  # trust policies name no resource: the role itself is implied


def _principal_match(
    statement: CompiledStatement, request: RequestContext, bounded: bool
) -> str | None:
    principal = request.principal
    if statement.principal is not None:
        return statement.principal.match(principal)
    if statement.not_principal is not None:
        if bounded and not statement.is_allow:
            return "not-principal"
        return _not_principal_match(statement.not_principal, statement.is_allow, request)
    return None


def _not_principal_match(
    matcher: PrincipalMatcher, is_allow: bool, request: RequestContext
) -> str | None:
    # Fail closed both ways: a Deny spares only a caller whose whole identity chain
    # (session, role, account) is listed; an Allow excludes a caller if any link is.
    principal = request.principal
    excluded = (
        matcher.names_any_identity_of(principal)
        if is_allow
        else matcher.names_every_identity_of(principal)
    )
    return None if excluded else "not-principal"
