"""Principal and NotPrincipal: which callers a resource-based statement names.

A compiled `PrincipalMatcher` answers *how* a caller is named, because the kind of
name changes the decision (see `decide`):

- "wildcard"  `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included;
- "direct"    the caller's own ARN: an IAM user, a role session
              (`arn:aws:sts::acct:assumed-role/role/session`), a federated user session;
- "role"      the ARN of the role a session was issued for;
- "parent"    the ARN of the IAM user a federated user session came from;
- "account"   the caller's account (`123456789012` ≡ `arn:aws:iam::123456789012:root`),
              which delegates the decision to that account's own policies;
- "service" / "federated"  an AWS service principal, or a SAML/OIDC provider.

Principal ARNs never contain wildcards (the IAM User Guide forbids them), so names
compare exactly — and case-sensitively, as AWS compares user names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamd.policy.context import Principal
from iamd.policy.document import PrincipalSpec

_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):root")


@dataclass(frozen=True, slots=True)
class PrincipalMatcher:
    wildcard: bool
    accounts: frozenset[str]
    arns: frozenset[str]
    services: frozenset[str]
    federated: frozenset[str]

    def match(self, principal: Principal) -> str | None:
        """How this element names `principal` ("direct", "role", …), or None."""
        if self.wildcard:
            return "wildcard"
        kind = principal.kind
        if kind == "service":
            return "service" if principal.arn in self.services else None
        if kind == "federated":
            return "federated" if principal.arn in self.federated else None
        if kind == "anonymous":
            return None
        return self._match_identity(principal)

    def _match_identity(self, principal: Principal) -> str | None:
        if principal.arn in self.arns:
            return "direct"
        if principal.parent_arn is not None and principal.parent_arn in self.arns:
            return "role" if principal.kind == "assumed-role" else "parent"
        if principal.account_id in self.accounts:
            return "account"
        return None

    def names_every_identity_of(self, principal: Principal) -> bool:
        """True when the caller, its role or parent user and its account are all named."""
        return all(self._names(identity) for identity in _identity_chain(principal))

    def names_any_identity_of(self, principal: Principal) -> bool:
        return any(self._names(identity) for identity in _identity_chain(principal))

    def _names(self, identity: str) -> bool:
        return (
            self.wildcard
            or identity in self.arns
            or identity in self.accounts
            or (identity in self.services or identity in self.federated)
        )


def _identity_chain(principal: Principal) -> tuple[str, ...]:
    """The caller and what it derives from, as NotPrincipal must list them."""
    if principal.kind in ("service", "federated"):
        return (principal.arn,)
    if principal.kind == "anonymous":
        return ("*",)
    chain = [principal.arn] if principal.kind != "root" else []
    if principal.kind == "assumed-role" and principal.parent_arn:
        chain.append(principal.parent_arn)
    chain.append(principal.account_id)
    return tuple(chain)


def compile_principal(spec: PrincipalSpec) -> PrincipalMatcher:
    """Compile a Principal/NotPrincipal element."""
    accounts: set[str] = set()
    arns: set[str] = set()
    services: set[str] = set()
    federated: set[str] = set()
    wildcard = spec.is_wildcard
    for principal_type, identifiers in spec.entries:
        for identifier in identifiers:
            if principal_type == "AWS":
                wildcard |= identifier == "*"
                _add_aws(identifier, accounts, arns)
            elif principal_type == "Service":
                services.add(identifier)
            elif principal_type == "Federated":
                federated.add(identifier)
    return PrincipalMatcher(
        wildcard, frozenset(accounts), frozenset(arns), frozenset(services), frozenset(federated)
    )


def _add_aws(identifier: str, accounts: set[str], arns: set[str]) -> None:
    if _ACCOUNT_ID.fullmatch(identifier):
        accounts.add(identifier)
        return
    root = _ROOT_ARN.fullmatch(identifier)
    if root is not None:
        accounts.add(root.group(1))
        return
    arns.add(identifier)
