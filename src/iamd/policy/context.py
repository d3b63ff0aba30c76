"""The request context: who is asking, for what action, on which resource, with which keys.

`Principal` describes the caller as AWS sees it (its ARN, account, kind, ids, tags
and, for sessions, the role or user the session came from). `RequestContext` holds
the action, the resource ARN and the condition context keys; key names are
case-insensitive, values are strings (a multivalued key holds several). The keys AWS
derives from the caller (`aws:username`, `aws:userid`, `aws:PrincipalArn`,
`aws:PrincipalAccount`, `aws:PrincipalType`, `aws:PrincipalTag/*`) are filled in
from the principal unless the caller supplies them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

PrincipalKind = Literal[
    "root", "user", "assumed-role", "federated-user", "service", "federated", "anonymous"
]
ContextValue = str | Sequence[str]
KeyResolver = Callable[[str], ContextValue | None]
"""Looks up a key the request did not carry (by its lower-cased name), on first use."""

SESSION_KINDS = frozenset({"assumed-role", "federated-user"})
AWS_IDENTITY_KINDS = frozenset({"root", "user", "assumed-role", "federated-user"})
_PRINCIPAL_TYPES = {
    "root": "Account",
    "user": "User",
    "assumed-role": "AssumedRole",
    "federated-user": "FederatedUser",
    "anonymous": "Anonymous",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller. `parent_arn`: a session's role ARN, or the user a federated user came from."""

    arn: str
    account_id: str
    kind: PrincipalKind
    user_id: str = ""
    user_name: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    parent_arn: str | None = None
    # The context keys derived from the above, computed on first use (see `derived_keys`).
    _derived_keys: dict[str, tuple[str, ...]] | None = field(
        default=None, init=False, compare=False, repr=False
    )

    @property
    def is_session(self) -> bool:
        return self.kind in SESSION_KINDS

    def derived_keys(self) -> dict[str, tuple[str, ...]]:
        """A fresh copy of the context keys AWS derives from this caller."""
        keys = self._derived_keys
        if keys is None:
            # The fields are frozen, so the keys are computed once per Principal.
            keys = _principal_keys(self)
            object.__setattr__(self, "_derived_keys", keys)
        return dict(keys)

    @classmethod
    def root(cls, account_id: str) -> Principal:
        return cls(f"arn:aws:iam::{account_id}:root", account_id, "root", user_id=account_id)

    @classmethod
    def user(
        cls,
        account_id: str,
        user_name: str,
        *,
        path: str = "/",
        user_id: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> Principal:
        arn = f"arn:aws:iam::{account_id}:user{path}{user_name}"
        return cls(arn, account_id, "user", user_id, user_name, _tag_pairs(tags))

    @classmethod
    def role_session(
        cls,
        account_id: str,
        role_name: str,
        session_name: str,
        *,
        role_path: str = "/",
        role_id: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> Principal:
        arn = f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"
        role_arn = f"arn:aws:iam::{account_id}:role{role_path}{role_name}"
        user_id = f"{role_id}:{session_name}" if role_id else ""
        return cls(arn, account_id, "assumed-role", user_id, None, _tag_pairs(tags), role_arn)

    @classmethod
    def federated_user(
        cls, account_id: str, name: str, *, parent_arn: str | None = None
    ) -> Principal:
        arn = f"arn:aws:sts::{account_id}:federated-user/{name}"
        return cls(arn, account_id, "federated-user", f"{account_id}:{name}", parent_arn=parent_arn)

    @classmethod
    def service(cls, service_name: str) -> Principal:
        return cls(service_name, "", "service")

    @classmethod
    def anonymous(cls) -> Principal:
        return cls("*", "", "anonymous")


# One counter for everything a request memoizes (compiled conditions and templates):
# two counters would hand a condition and a template the same number, and one's
# cached result would answer for the other.
_MEMO_SERIALS = itertools.count()


def next_memo_serial() -> int:
    """A number no other memoized element has, now or later."""
    return next(_MEMO_SERIALS)


def _tag_pairs(tags: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((tags or {}).items()))


@dataclass(frozen=True, slots=True)
class RequestContext:
    """One authorization question: may `principal` do `action` on `resource`?"""

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    # Keys that cost a lookup (a resource's tags) are resolved only when a policy reads
    # them, whichever policy that is: identity, boundary, session, resource or trust.
    resolver: KeyResolver | None = field(default=None, repr=False, compare=False)
    keys: dict[str, tuple[str, ...] | None] = field(init=False, repr=False, compare=False)
    action_lower: str = field(init=False, repr=False, compare=False)
    service: str = field(init=False, repr=False, compare=False)
    # Per-request results of compiled conditions and templates, by their serial number:
    # a condition repeated across statements and policies is evaluated once.
    memo: dict[int, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys: dict[str, tuple[str, ...] | None] = dict(self.principal.derived_keys())
        for name, value in self.context.items():
            keys[name.lower()] = _as_values(value)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "action_lower", self.action.lower())
        service, colon, _ = self.action_lower.partition(":")
        object.__setattr__(self, "service", service if colon else "")
        object.__setattr__(self, "memo", {})

    def values(self, key: str) -> tuple[str, ...] | None:
        """The values of context key `key` (lower-cased), or None when it is absent."""
        values = self.keys.get(key, _UNRESOLVED)
        if values is _UNRESOLVED:
            values = self._resolve(key)
        return values

    def _resolve(self, key: str) -> tuple[str, ...] | None:
        found = self.resolver(key) if self.resolver is not None else None
        values = None if found is None else _as_values(found)
        self.keys[key] = values  # None: known to be absent
        return values

    def variable(self, key: str) -> str | None:
        """The value of a single-valued key, for a policy variable; None otherwise."""
        values = self.values(key)
        if values is None or len(values) != 1:
            return None
        return values[0]


_UNRESOLVED: tuple[str, ...] = ("<unresolved>",)


def _as_values(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, Sequence):
        return tuple(_scalar(item) for item in value)
    return (_scalar(value),)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _principal_keys(principal: Principal) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    kind = principal.kind
    if kind in _PRINCIPAL_TYPES:
        keys["aws:principaltype"] = (_PRINCIPAL_TYPES[kind],)
    if kind in AWS_IDENTITY_KINDS:
        # aws:PrincipalArn names a role session by its role, every other caller by itself.
        arn = principal.arn
        if kind == "assumed-role" and principal.parent_arn is not None:
            arn = principal.parent_arn
        keys["aws:principalarn"] = (arn,)
        keys["aws:principalaccount"] = (principal.account_id,)
    if kind == "user" and principal.user_name is not None:
        keys["aws:username"] = (principal.user_name,)
    if principal.user_id:
        keys["aws:userid"] = (principal.user_id,)
    for tag_key, tag_value in principal.tags:
        keys[f"aws:principaltag/{tag_key.lower()}"] = (tag_value,)
    return keys
