"""``iamd simulate``: policy files (or a principal on a server), actions, resources and
context keys in; the decisions, and the statements that made them, out — for a person.

In-process by default: the documents are validated and decided by the same library
and the same simulator results the server answers SimulateCustomPolicy with. With
``--endpoint`` (and ``--profile``) the question goes to a server instead, as
SimulateCustomPolicy, or SimulatePrincipalPolicy for ``--principal``'s real policies.
Both print the same way:

    iam:DeleteUser on arn:aws:iam::111122223333:user/bob: explicitDeny
      denied by deny.json, Sid "NoDeletes" (lines 9-16)

Exit status: 0 when every decision is allowed, 1 when any is denied, 2 on an error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from iamd.arn import parse_arn
from iamd.errors import MalformedPolicyDocument, ServiceError
from iamd.iam.simulate import checked_action, checked_resource, parse_resource_owner
from iamd.iam.simulate_context import missing_keys, referenced_keys
from iamd.iam.simulate_results import RESOURCE_POLICY_TYPE, Simulation, evaluation_result
from iamd.iam.simulate_sources import entity_arn_parts
from iamd.policy import (
    PolicyDocument,
    PolicyKind,
    Principal,
    compile_policy,
    parse_policy,
    validate_policy,
)

DENIED_EXIT = 1
ERROR_EXIT = 2
PLACEHOLDER_ACCOUNT = "123456789012"  # the caller's account when nothing names one
_DECISION_WORDS = {
    "allowed": "allowed by",
    "explicitDeny": "denied by",
}


class SimulationError(click.ClickException):
    exit_code = ERROR_EXIT


@dataclass(frozen=True)
class Inputs:
    """The command line, read: documents by their AWS input names, and the question."""

    policies: list[tuple[str, str]] = field(default_factory=list)  # (file label, text)
    boundary: tuple[str, str] | None = None
    resource_policy: tuple[str, str] | None = None
    actions: Sequence[str] = ()
    resources: Sequence[str] = ("*",)
    context: dict[str, list[str]] = field(default_factory=dict)
    caller_arn: str | None = None
    resource_owner: str | None = None

    def labels(self) -> dict[str, tuple[str, str]]:
        """SourcePolicyId (``PolicyInputList.2`` …) → (file label, document text)."""
        found = {f"PolicyInputList.{i}": p for i, p in enumerate(self.policies, start=1)}
        if self.boundary is not None:
            found["PermissionsBoundaryPolicyInputList.1"] = self.boundary
        if self.resource_policy is not None:
            found["ResourcePolicy"] = self.resource_policy
        return found


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("simulate")
@click.option("--policy", "policy_files", multiple=True, type=_FILE, help="Identity policy.")
@click.option("--boundary", type=_FILE, help="Permissions boundary policy.")
@click.option("--resource-policy", type=_FILE, help="Resource-based policy (needs a caller).")
@click.option("--action", "actions", multiple=True, required=True, help="e.g. iam:CreateUser.")
@click.option("--resource", "resources", multiple=True, help="Resource ARN (default: *).")
@click.option(
    "--context",
    "context_pairs",
    multiple=True,
    help="KEY=VALUE; repeat a key for several values. Nothing is derived from the caller: "
    "pass aws:username and the like yourself.",
)
@click.option("--caller-arn", help="The simulated caller: an IAM user, group or role ARN.")
@click.option("--resource-owner", help="Account owning resources whose ARN names none.")
@click.option("--principal", help="With --endpoint: simulate this user/group/role's policies.")
@click.option("--endpoint", help="Ask this iamd server instead of deciding in-process.")
@click.option("--profile", help="AWS profile for --endpoint.")
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print AWS's EvaluationResults as JSON.")
def simulate(
    policy_files: tuple[Path, ...],
    boundary: Path | None,
    resource_policy: Path | None,
    actions: tuple[str, ...],
    resources: tuple[str, ...],
    context_pairs: tuple[str, ...],
    caller_arn: str | None,
    resource_owner: str | None,
    principal: str | None,
    endpoint: str | None,
    profile: str | None,
    region: str,
    as_json: bool,
) -> None:
    """Decide actions on resources under policies, and show the statements that decided.

    Exit status: 0 when every decision is allowed, 1 when any is denied, 2 on an error.
    """
    inputs = Inputs(
        policies=[_read(path) for path in policy_files],
        boundary=_read(boundary) if boundary else None,
        resource_policy=_read(resource_policy) if resource_policy else None,
        actions=actions,
        resources=resources or ("*",),
        context=_context(context_pairs),
        caller_arn=caller_arn,
        resource_owner=resource_owner,
    )
    if principal and not endpoint:
        raise click.UsageError("--principal needs --endpoint: its policies live on a server.")
    if not principal and not inputs.policies:
        raise click.UsageError("Give at least one --policy (or --principal with --endpoint).")
    if endpoint:
        results = _remote(inputs, endpoint, profile, region, principal)
    else:
        results = _in_process(inputs)
    click.echo(json.dumps(results, indent=2) if as_json else render(results, inputs.labels()))
    if any(result["EvalDecision"] != "allowed" for result in results):
        sys.exit(DENIED_EXIT)


def _read(path: Path) -> tuple[str, str]:
    return path.name, path.read_text()


def _context(pairs: Sequence[str]) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise click.UsageError(f"--context takes KEY=VALUE, not {pair!r}.")
        context.setdefault(key, []).append(value)
    return context


# --- in-process --------------------------------------------------------------------------


def _in_process(inputs: Inputs) -> list[dict[str, Any]]:
    try:
        for action in inputs.actions:
            checked_action(action)
        for resource in inputs.resources:
            checked_resource(resource)
        simulation = _simulation(inputs)
    except ServiceError as error:
        raise SimulationError(f"{error.code}: {error.message}") from None
    return [evaluation_result(simulation, action, inputs.resources) for action in inputs.actions]


def _simulation(inputs: Inputs) -> Simulation:
    documents = {
        name: _validated(name, label, text) for name, (label, text) in inputs.labels().items()
    }
    compiled = {
        name: compile_policy(
            document,
            policy_id=name,
            policy_type=RESOURCE_POLICY_TYPE if name == "ResourcePolicy" else "IAM Policy",
        )
        for name, document in documents.items()
    }
    context = {key: tuple(values) for key, values in inputs.context.items()}
    return Simulation(
        principal=_principal(inputs),
        identity=tuple(p for name, p in compiled.items() if name.startswith("PolicyInputList")),
        boundary=compiled.get("PermissionsBoundaryPolicyInputList.1"),
        resource_policy=compiled.get("ResourcePolicy"),
        context=context,
        resource_owner=parse_resource_owner(inputs.resource_owner),
        missing_context=missing_keys(referenced_keys(documents.values()), context),
    )


def _validated(name: str, label: str, text: str) -> PolicyDocument:
    kind: PolicyKind = "inline"
    if name.startswith("PermissionsBoundary"):
        kind = "managed"
    elif name == "ResourcePolicy":
        kind = "resource"
    try:
        return validate_policy(text, kind)
    except MalformedPolicyDocument as error:
        raise SimulationError(f"{label}: {error.message}") from None


def _principal(inputs: Inputs) -> Principal:
    if inputs.caller_arn:
        account, _, _ = entity_arn_parts(inputs.caller_arn)
        return Principal(inputs.caller_arn, account, "user")
    if inputs.resource_policy is not None:
        raise SimulationError("--resource-policy needs --caller-arn: whom does it name?")
    accounts = [arn.account for arn in map(parse_arn, inputs.resources) if arn and arn.account]
    account = next((a for a in accounts if a.isdigit() and len(a) == 12), PLACEHOLDER_ACCOUNT)
    return Principal("", account, "user")


# --- against a server --------------------------------------------------------------------


def _remote(
    inputs: Inputs, endpoint: str, profile: str | None, region: str, principal: str | None
) -> list[dict[str, Any]]:
    import botocore.session  # only here: a server round trip needs it
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = botocore.session.Session(profile=profile)
        client = session.create_client("iam", region_name=region, endpoint_url=endpoint)
    except BotoCoreError as error:
        raise SimulationError(str(error)) from None
    params = _request(inputs, principal)
    operation = "simulate_principal_policy" if principal else "simulate_custom_policy"
    try:
        pages = client.get_paginator(operation).paginate(**params)
        return [result for page in pages for result in page["EvaluationResults"]]
    except ClientError as error:
        details = error.response["Error"]
        raise SimulationError(f"{details['Code']}: {details.get('Message', '')}") from None
    except BotoCoreError as error:
        raise SimulationError(str(error)) from None


def _request(inputs: Inputs, principal: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "ActionNames": list(inputs.actions),
        "ResourceArns": list(inputs.resources),
        "PolicyInputList": [text for _, text in inputs.policies],
        "ContextEntries": [
            {
                "ContextKeyName": key,
                "ContextKeyType": "string" if len(values) == 1 else "stringList",
                "ContextKeyValues": values,
            }
            for key, values in inputs.context.items()
        ],
    }
    optional = {
        "PolicySourceArn": principal,
        "PermissionsBoundaryPolicyInputList": [inputs.boundary[1]] if inputs.boundary else None,
        "ResourcePolicy": inputs.resource_policy[1] if inputs.resource_policy else None,
        "CallerArn": inputs.caller_arn,
        "ResourceOwner": inputs.resource_owner,
    }
    params.update({key: value for key, value in optional.items() if value})
    return params


# --- printing ----------------------------------------------------------------------------


def render(results: Sequence[Mapping[str, Any]], labels: Mapping[str, tuple[str, str]]) -> str:
    """The results as lines a person reads: per action and resource, what decided."""
    lines: list[str] = []
    for result in results:
        for outcome in _per_resource(result):
            lines += _outcome_lines(result["EvalActionName"], outcome, labels)
    return "\n".join(lines)


def _per_resource(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    specific = result.get("ResourceSpecificResults")
    if specific:
        return [{**r, "EvalDecision": r["EvalResourceDecision"]} for r in specific]
    return [result]


def _outcome_lines(
    action: str, outcome: Mapping[str, Any], labels: Mapping[str, tuple[str, str]]
) -> list[str]:
    decision = outcome["EvalDecision"]
    lines = [f"{action} on {outcome['EvalResourceName']}: {decision}"]
    verb = _DECISION_WORDS.get(decision)
    for statement in outcome.get("MatchedStatements") or []:
        lines.append(f"  {verb} {describe_statement(statement, labels)}")
    boundary = outcome.get("PermissionsBoundaryDecisionDetail")
    details = outcome.get("EvalDecisionDetails") or {}
    blocked_by_boundary = boundary is not None and not boundary["AllowedByPermissionsBoundary"]
    if decision == "implicitDeny" and not blocked_by_boundary and not details:
        lines.append("  no statement allows it")
    if boundary is not None:
        verdict = "does not allow" if blocked_by_boundary else "allows"
        lines.append(f"  the permissions boundary {verdict} it")
    for source, detail in details.items():
        lines.append(f"  {source}: {detail}")
    if outcome.get("MissingContextValues"):
        lines.append("  missing context values: " + ", ".join(outcome["MissingContextValues"]))
    return lines


def describe_statement(statement: Mapping[str, Any], labels: Mapping[str, tuple[str, str]]) -> str:
    """``deny.json, Sid "NoDeletes" (lines 9-16)``: where the statement is, by name."""
    source = statement["SourcePolicyId"]
    start, end = statement["StartPosition"], statement["EndPosition"]
    lines = f"lines {start['Line']}-{end['Line']}"
    if start["Line"] == end["Line"]:
        lines = f"line {start['Line']}"
    if source not in labels:
        return f"{source} ({lines})"
    label, text = labels[source]
    return f"{label}, {_statement_name(text, start)} ({lines})"


def _statement_name(text: str, start: Mapping[str, int]) -> str:
    statements = parse_policy(text).statements
    for index, statement in enumerate(statements, start=1):
        # AWS's StartPosition column is one past the statement's opening brace.
        if statement.start == (start["Line"], start["Column"] - 1):
            return f'Sid "{statement.sid}"' if statement.sid else f"statement {index}"
    return "a statement"
