"""API calls as audit events: what the request pipeline (and the console) saw of one call.

In: an `ApiCall`, filled in as the call goes — who (once authenticated), which
operation and input (once parsed), what authorization decided (the call's journal),
the answer or the error. Out: the `Happened` event (`iamd.audit.events`): CloudTrail's
record of an ``AwsApiCall`` with iamd's decision, addressed to the caller's account
and, when the call reached into another account (AssumeRole of its role), to that
account too. The unsigned web identity and SAML calls belong to the role's account,
named by their token (``WebIdentityUser``, ``SAMLUser``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.model import OperationModel

from iamd.arn import parse_arn
from iamd.audit import identity
from iamd.audit.events import Happened, distinct, event_source
from iamd.audit.parameters import request_parameters, response_elements
from iamd.audit.reasons import decision_element
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.authz.journal import Journal
from iamd.errors import ServiceError
from iamd.operation import is_read_only
from iamd.protocol import service_model

# IAM is global: CloudTrail records its events in the partition's first region.
_GLOBAL_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
_ASSUMING = frozenset({"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})

# Input members that name a resource, → LookupEvents' ResourceType.
_RESOURCE_MEMBERS = {
    "UserName": "AWS::IAM::User",
    "NewUserName": "AWS::IAM::User",
    "GroupName": "AWS::IAM::Group",
    "RoleName": "AWS::IAM::Role",
    "RoleArn": "AWS::IAM::Role",
    "PolicyArn": "AWS::IAM::Policy",
    "AccessKeyId": "AWS::IAM::AccessKey",
    "InstanceProfileName": "AWS::IAM::InstanceProfile",
    "OpenIDConnectProviderArn": "AWS::IAM::OIDCProvider",
    "SAMLProviderArn": "AWS::IAM::SAMLProvider",
    "ServerCertificateName": "AWS::IAM::ServerCertificate",
    "SerialNumber": "AWS::IAM::MFADevice",
}
# Output members (structure, member) that name what the call created.
_CREATED = {
    ("User", "UserName"): "AWS::IAM::User",
    ("Group", "GroupName"): "AWS::IAM::Group",
    ("Role", "RoleName"): "AWS::IAM::Role",
    ("Policy", "Arn"): "AWS::IAM::Policy",
    ("AccessKey", "AccessKeyId"): "AWS::IAM::AccessKey",
    ("Credentials", "AccessKeyId"): "AWS::IAM::AccessKey",
    ("AssumedRoleUser", "Arn"): "AWS::STS::AssumedRole",
    ("FederatedUser", "Arn"): "AWS::STS::FederatedUser",
    ("VirtualMFADevice", "SerialNumber"): "AWS::IAM::MFADevice",
}


@dataclass
class ApiCall:
    """One call as the pipeline saw it; filled in as the request goes."""

    service: str
    action: str  # as the request named it (it may name no operation at all)
    request_id: str
    received_at: datetime
    region: str
    meta: RequestMeta
    access_key_id: str | None = None
    claimed_account: str | None = None  # whose key signed a request that did not verify
    caller: Caller | None = None
    operation: OperationModel | None = None
    params: Mapping[str, Any] | None = None
    output: Mapping[str, Any] | None = None
    error: ServiceError | None = None
    journal: Journal = field(default_factory=Journal)
    from_console: bool = False
    is_recorded: bool = False  # committed with the call's own write


def happened(call: ApiCall) -> Happened:
    """The call as an event in CloudTrail's terms."""
    caller = call.caller
    who = _identity(call)
    error = call.error
    reads = is_read_only(call.action)  # by its name (GetUser, ListRoles …): asked once
    answered = call.output if error is None else None
    return Happened(
        when=call.received_at,
        source=event_source(call.service),
        name=call.operation.name if call.operation is not None else call.action,
        region=_region(call),
        identity=who,
        source_ip=call.meta.source_ip,
        user_agent=call.meta.user_agent,
        request_id=call.request_id,
        # CloudTrail's readOnly: IAM's reads, and every STS and CloudTrail call.
        read_only=reads or call.service != "iam",
        accounts=_accounts(call, who),
        request_parameters=_parameters(call),
        response_elements=_response(call, answered, reads),
        error_code=error_code(call.service, error) if error is not None else None,
        error_message=error.message if error is not None else None,
        resources=_record_resources(call) if call.action in _ASSUMING else (),
        # What the output names was created by the call, unless the call reads.
        lookup_resources=lookup_resources(call.params, None if reads else answered),
        from_console=call.from_console,
        decision=decision_element(call.journal),
        username=_username(call, who),
        actor_id=identity.actor_id(caller) if caller is not None else None,
    )


def error_code(service: str, error: ServiceError) -> str:
    """CloudTrail's errorCode: the modelled exception's name (``NoSuchEntityException``)."""
    return _exception_names(service).get(error.code, error.code)


@functools.cache
def _exception_names(service: str) -> dict[str, str]:
    try:
        model = service_model(service)
    except ValueError:
        return {}
    names: dict[str, str] = {}
    for shape in model.error_shapes:
        names[shape.metadata.get("error", {}).get("code", shape.name)] = shape.name
    return names


def _identity(call: ApiCall) -> dict[str, Any]:
    caller = call.caller
    if caller is None:
        return identity.unknown_identity(call.claimed_account, call.access_key_id or "")
    if caller.is_anonymous:
        return _token_identity(call)
    return identity.user_identity(caller)


def _token_identity(call: ApiCall) -> dict[str, Any]:
    """The web identity or SAML user of an unsigned call, as its token named it."""
    params, output = call.params or {}, call.output or {}
    if call.action == "AssumeRoleWithSAML":
        provider = str(params.get("PrincipalArn", ""))
        subject = output.get("Subject")
        principal = f"{output.get('NameQualifier', '')}:{subject}" if subject else provider
        return identity.federated_identity("SAMLUser", provider, subject, principal)
    provider = str(output.get("Provider") or params.get("ProviderId") or "")
    subject = output.get("SubjectFromWebIdentityToken")
    audience = output.get("Audience", "")
    principal = f"{provider}:{audience}:{subject}" if subject else provider
    return identity.federated_identity("WebIdentityUser", provider, subject, principal)


def _username(call: ApiCall, who: Mapping[str, Any]) -> str | None:
    if call.caller is not None and not call.caller.is_anonymous:
        return identity.username(call.caller)
    name = who.get("userName")
    return str(name) if name else None


def _region(call: ApiCall) -> str:
    if call.service != "iam":
        return call.region
    partition = call.caller.partition if call.caller is not None else "aws"
    return _GLOBAL_REGIONS.get(partition, call.region)


def _accounts(call: ApiCall, who: Mapping[str, Any]) -> tuple[str | None, ...]:
    """The caller's account and, for assuming a role, the role's account.

    Only a role that exists has its trust policy decided (`sts.trust.note_trust`), so
    an AssumeRole naming any account id cannot write into that account's history. IAM
    calls stay in the caller's account, whatever ARN they name, as AWS records them.
    """
    own = call.caller.account_id if call.caller is not None else who.get("accountId")
    if call.action not in _ASSUMING:
        return (own,) if own else ()
    reached = [_account_of(e.resource) for e in call.journal.evaluations if e.decision is not None]
    return distinct([own, *reached])


def _account_of(resource: str) -> str | None:
    arn = parse_arn(resource)
    return arn.account if arn is not None and arn.account.isdigit() else None


def _parameters(call: ApiCall) -> Any:
    if call.operation is None or call.params is None:
        return None
    return request_parameters(call.operation, call.params)


def _response(call: ApiCall, answered: Mapping[str, Any] | None, reads: bool) -> Any:
    """responseElements: what a write answered; reads record none, as CloudTrail's do."""
    if call.operation is None or answered is None:
        return None
    if reads and call.service == "iam":
        return None
    return response_elements(call.operation, answered)


def _record_resources(call: ApiCall) -> tuple[dict[str, str], ...]:
    """The record's ``resources``: the role an STS call assumed, as AWS lists it."""
    if call.action not in _ASSUMING or call.params is None:
        return ()
    role_arn = str(call.params.get("RoleArn", ""))
    arn = parse_arn(role_arn)
    if arn is None:
        return ()
    return ({"accountId": arn.account, "type": "AWS::IAM::Role", "ARN": role_arn},)


def lookup_resources(
    params: Mapping[str, Any] | None, output: Mapping[str, Any] | None
) -> tuple[tuple[str, str], ...]:
    """(ResourceType, ResourceName) of what the input named and the output created."""
    found: list[tuple[str, str]] = []
    for member, value in (params or {}).items():
        kind = _RESOURCE_MEMBERS.get(member)
        if kind is not None and isinstance(value, str) and value:
            found.append((kind, value))
    for (structure, member), kind in _CREATED.items() if output else ():
        created = output.get(structure) if output else None
        value = created.get(member) if isinstance(created, Mapping) else None
        if isinstance(value, str) and value:
            found.append((kind, value))
    return tuple(dict.fromkeys(found)) if len(found) > 1 else tuple(found)
