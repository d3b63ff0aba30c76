"""Validation of Principal elements and trust-policy actions.

Trust policies (a role's AssumeRolePolicyDocument) and resource-based policies name
who they apply to; identity policies may not (see `validate`). A trust policy
statement without a principal, or a principal that is not an account, an IAM or STS
ARN, a service or an identity provider, is rejected with AWS's "Invalid principal in
policy" messages; a trust policy may only grant the STS actions that create or
decorate a role session.
"""

from __future__ import annotations

import re

from iamd.errors import MalformedPolicyDocument
from iamd.policy.document import PolicyDocument, PrincipalSpec
from iamd.policy.match import glob_matches

NO_PRINCIPALS = (
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
    "The passed in policy has a statement with no principals!"
)
MISSING_PRINCIPAL = "Missing required field Principal"
TRUST_ACTIONS_ONLY = "AssumeRole policy may only specify STS AssumeRole actions."
TRUST_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
)

_AWS_PRINCIPAL = re.compile(
    r"\*|\d{12}"
    r"|arn:aws[a-z-]*:iam::\d{12}:(?:root|user/.+|role/.+)"
    r"|arn:aws[a-z-]*:sts::\d{12}:(?:assumed-role/[^/]+/.+|federated-user/.+)"
    r"|A(?:IDA|ROA)[A-Z0-9]{12,}"
)
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+")
_FEDERATED_PRINCIPAL = re.compile(
    r"arn:aws[a-z-]*:iam::\d{12}:(?:saml-provider|oidc-provider)/\S+"
    r"|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/\S*)?"
)
_CANONICAL_USER = re.compile(r"[0-9a-fA-F]{64}")
_PATTERNS = {
    "AWS": _AWS_PRINCIPAL,
    "Service": _SERVICE_PRINCIPAL,
    "Federated": _FEDERATED_PRINCIPAL,
    "CanonicalUser": _CANONICAL_USER,
}


def check_principals(document: PolicyDocument, kind: str) -> None:
    """Every statement names principals, and every principal is well formed."""
    for statement in document.statements:
        spec = statement.principal or statement.not_principal
        if spec is None:
            raise MalformedPolicyDocument(NO_PRINCIPALS if kind == "trust" else MISSING_PRINCIPAL)
        _check_spec(spec, kind)


def _check_spec(spec: PrincipalSpec, kind: str) -> None:
    for principal_type, identifiers in spec.entries:
        pattern = _PATTERNS.get(principal_type)
        if principal_type == "CanonicalUser" and kind == "trust":
            pattern = None
        for identifier in identifiers:
            if pattern is None or not pattern.fullmatch(identifier):
                raise MalformedPolicyDocument(_invalid(principal_type, identifier))


def _invalid(principal_type: str, identifier: str) -> str:
    label = principal_type if principal_type == "AWS" else principal_type.upper()
    return f'Invalid principal in policy: "{label}":"{identifier}"'


def check_trust_actions(document: PolicyDocument) -> None:
    """A trust policy may grant only the STS actions of role sessions."""
    for statement in document.statements:
        if statement.not_action is not None:
            raise MalformedPolicyDocument(TRUST_ACTIONS_ONLY)
        for action in statement.action or ():
            if not any(glob_matches(action, name, ignore_case=True) for name in TRUST_ACTIONS):
                raise MalformedPolicyDocument(TRUST_ACTIONS_ONLY)
