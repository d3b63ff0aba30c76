"""The policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and
GetContextKeysFor{Principal,Custom}Policy.

In: policies as strings (``PolicyInputList``, ``PermissionsBoundaryPolicyInputList``,
``ResourcePolicy``) or an entity's real ones (``PolicySourceArn``), the actions and
resources to try, the simulated caller (``CallerArn``), the resources' owner
(``ResourceOwner``) and ``ContextEntries``. Out: AWS's output shapes — one
``EvaluationResult`` per action, paged by ``MaxItems``/``Marker`` (see
`simulate_results` for how a result reads), or the ``ContextKeyNames`` the policies use.

The decisions are the same engine's that enforces every live request
(`iamd.policy.decide`); the simulator does not perform the actions. Documents are
checked as AWS checks them for their role (identity, boundary, resource policy) and
answer ``MalformedPolicyDocument`` with AWS's message; other bad input answers
``InvalidInput``; an entity that does not exist, ``NoSuchEntity``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from iamd.arn import parse_arn
from iamd.errors import InvalidInput
from iamd.iam.simulate_context import context_values, missing_keys, referenced_keys
from iamd.iam.simulate_results import (
    IDENTITY_POLICY_TYPE,
    RESOURCE_POLICY_TYPE,
    Simulation,
    evaluation_result,
)
from iamd.iam.simulate_sources import (
    SourceEntity,
    SourcePolicy,
    documents_of,
    entity_arn_parts,
    load_entity,
)
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.policy import Policy, PolicyDocument, Principal, compile_policy, validate_policy
from iamd.policy.validate import PolicyKind
from iamd.store.pages import DEFAULT_MAX_ITEMS, decode_marker, encode_marker

RESOURCE_POLICY_ID = "ResourcePolicy"
# The scenarios ResourceHandlingOption names (the IAM API Reference's list).
RESOURCE_HANDLING_OPTIONS = frozenset(
    {
        "EC2-Classic-InstanceStore",
        "EC2-Classic-EBS",
        "EC2-VPC-InstanceStore",
        "EC2-VPC-InstanceStore-Subnet",
        "EC2-VPC-EBS",
        "EC2-VPC-EBS-Subnet",
    }
)

_ACTION = re.compile(r"[\w-]+:[\w.-]+")
_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT_ARN = re.compile(r"arn:[\w-]+:iam::(\d{12}):root")


@dataclass(frozen=True)
class _Inputs:
    """The simulation's policies as documents, named for MatchedStatements."""

    identity: tuple[tuple[str, PolicyDocument], ...]
    boundary: tuple[str, PolicyDocument] | None


# --- operations --------------------------------------------------------------------------


def simulate_custom_policy(ctx: OperationContext, params: Params) -> Output:
    inputs = _Inputs(
        tuple(_input_policies(params.get("PolicyInputList"), "PolicyInputList", "inline")),
        _boundary_input(params),
    )
    caller = params.get("CallerArn")
    return _simulate(ctx, params, inputs, _caller(caller) if caller else None)


def simulate_principal_policy(ctx: OperationContext, params: Params) -> Output:
    entity = load_entity(ctx, params["PolicySourceArn"], params.get("PolicyExclusionList") or ())
    extra = _input_policies(params.get("PolicyInputList"), "PolicyInputList", "inline")
    inputs = _Inputs(
        tuple(_named(entity.identity)) + tuple(extra),
        _boundary_input(params) or _entity_boundary(entity),
    )
    caller_arn = params.get("CallerArn") or (entity.arn if entity.kind == "user" else None)
    return _simulate(ctx, params, inputs, _caller(caller_arn) if caller_arn else None)


def get_context_keys_for_custom_policy(ctx: OperationContext, params: Params) -> Output:
    policies = _input_policies(params["PolicyInputList"], "PolicyInputList", "inline")
    return {"ContextKeyNames": referenced_keys(document for _, document in policies)}


def get_context_keys_for_principal_policy(ctx: OperationContext, params: Params) -> Output:
    entity = load_entity(ctx, params["PolicySourceArn"])
    extra = _input_policies(params.get("PolicyInputList"), "PolicyInputList", "inline")
    documents = documents_of(entity.identity) + [document for _, document in extra]
    return {"ContextKeyNames": referenced_keys(documents)}


OPERATIONS: OperationTable = {
    "SimulateCustomPolicy": simulate_custom_policy,
    "SimulatePrincipalPolicy": simulate_principal_policy,
    "GetContextKeysForCustomPolicy": get_context_keys_for_custom_policy,
    "GetContextKeysForPrincipalPolicy": get_context_keys_for_principal_policy,
}


# --- one simulation ----------------------------------------------------------------------


def _simulate(
    ctx: OperationContext, params: Params, inputs: _Inputs, caller: Principal | None
) -> Output:
    actions = [checked_action(action) for action in params["ActionNames"]]
    resources = [checked_resource(arn) for arn in params.get("ResourceArns") or ["*"]]
    _check_handling_option(params.get("ResourceHandlingOption"))
    resource_policy = _resource_policy(params.get("ResourcePolicy"), caller)
    caller = caller or Principal("", ctx.account_id, "user")  # no ARN: the calling account
    simulation = _simulation(params, inputs, resource_policy, caller)
    start, limit = _page_bounds(params)
    page = actions[start : start + limit]
    output: Output = {
        "EvaluationResults": [evaluation_result(simulation, action, resources) for action in page],
        "IsTruncated": start + limit < len(actions),
    }
    if output["IsTruncated"]:
        output["Marker"] = encode_marker(str(start + limit))
    return output


def _simulation(
    params: Params,
    inputs: _Inputs,
    resource_policy: tuple[str, PolicyDocument] | None,
    caller: Principal,
) -> Simulation:
    context = context_values(params.get("ContextEntries") or [])
    named = [*inputs.identity, inputs.boundary, resource_policy]
    documents = [pair[1] for pair in named if pair is not None]
    return Simulation(
        principal=caller,
        identity=tuple(_compiled(name, document) for name, document in inputs.identity),
        boundary=_compiled(*inputs.boundary) if inputs.boundary else None,
        resource_policy=(
            _compiled(*resource_policy, policy_type=RESOURCE_POLICY_TYPE)
            if resource_policy
            else None
        ),
        context=context,
        resource_owner=parse_resource_owner(params.get("ResourceOwner")),
        missing_context=missing_keys(referenced_keys(documents), context),
    )


def _compiled(
    name: str, document: PolicyDocument, *, policy_type: str = IDENTITY_POLICY_TYPE
) -> Policy:
    return compile_policy(document, policy_id=name, policy_type=policy_type)


def _page_bounds(params: Params) -> tuple[int, int]:
    limit = int(params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    marker = decode_marker(params.get("Marker"))
    if marker is None:
        return 0, limit
    if not (marker.isascii() and marker.isdigit()):
        raise InvalidInput("Invalid Marker.")
    return int(marker), limit


# --- inputs ------------------------------------------------------------------------------


def _input_policies(
    texts: Sequence[str] | None, member: str, kind: PolicyKind
) -> list[tuple[str, PolicyDocument]]:
    """``<member>.<n>`` (1-based, as AWS names them) and each validated document."""
    return [
        (f"{member}.{index}", validate_policy(text, kind))
        for index, text in enumerate(texts or (), start=1)
    ]


def _boundary_input(params: Params) -> tuple[str, PolicyDocument] | None:
    boundaries = _input_policies(
        params.get("PermissionsBoundaryPolicyInputList"),
        "PermissionsBoundaryPolicyInputList",
        "managed",
    )
    if len(boundaries) > 1:
        raise InvalidInput("Only one permissions boundary policy may be simulated at a time.")
    return boundaries[0] if boundaries else None


def _named(policies: Sequence[SourcePolicy]) -> list[tuple[str, PolicyDocument]]:
    return [(policy.source_id, policy.document) for policy in policies]


def _entity_boundary(entity: SourceEntity) -> tuple[str, PolicyDocument] | None:
    boundary = entity.boundary
    return (boundary.source_id, boundary.document) if boundary is not None else None


def _resource_policy(
    text: str | None, caller: Principal | None
) -> tuple[str, PolicyDocument] | None:
    if text is None:
        return None
    document = validate_policy(text, "resource")
    if caller is None:
        raise InvalidInput("CallerArn must be specified when a ResourcePolicy is simulated.")
    return RESOURCE_POLICY_ID, document


def _caller(arn: str) -> Principal:
    """The simulated caller: an IAM user, group or role ARN, as AWS accepts for CallerArn."""
    account, kind, name = entity_arn_parts(arn)
    return Principal(arn, account, "user", user_name=name if kind == "user" else None)


def parse_resource_owner(value: str | None) -> str | None:
    """The account ResourceOwner names: an account id or its root ARN."""
    if value is None:
        return None
    if _ACCOUNT_ID.fullmatch(value):
        return value
    root = _ROOT_ARN.fullmatch(value)
    if root is None:
        raise InvalidInput(f"'{value}' is not a valid as a Resource Owner.")
    return root.group(1)


def checked_action(action: str) -> str:
    """The action name, if it is ``service:Operation``; InvalidInput otherwise."""
    if _ACTION.fullmatch(action) is None:
        raise InvalidInput(
            f"Invalid action name {action}: name an action as service:Operation "
            "(iam:CreateUser), without wildcards."
        )
    return action


def checked_resource(resource: str) -> str:
    """The resource, if it is ``*`` or an ARN; InvalidInput otherwise."""
    if resource != "*" and parse_arn(resource) is None:
        raise InvalidInput(f'Resource {resource} must be in ARN format or "*".')
    return resource


def _check_handling_option(option: str | None) -> None:
    if option is not None and option not in RESOURCE_HANDLING_OPTIONS:
        raise InvalidInput(f"Invalid ResourceHandlingOption {option}.")
