"""Who made a request, as CloudTrail's ``userIdentity`` element says it.

In: the authenticated `Caller` (or, for the unsigned web identity and SAML calls, what
their token said). Out: the element's dict — ``type`` (``Root``, ``IAMUser``,
``AssumedRole``, ``FederatedUser``, ``WebIdentityUser``, ``SAMLUser``),
``principalId``, ``arn``, ``accountId``, ``accessKeyId``, ``userName`` and, for
temporary credentials, ``sessionContext``: the ``sessionIssuer`` (the role, or the
user a federated session came from), ``webIdFederationData`` for a role assumed with
a web identity token, ``attributes`` (``creationDate``, ``mfaAuthenticated``) and
``sourceIdentity``. Also the short name LookupEvents calls ``Username``.
"""

from __future__ import annotations

from typing import Any

from iamd.arn import parse_arn
from iamd.auth.caller import Caller, Session

Element = dict[str, Any]

_TYPES = {
    "root": "Root",
    "user": "IAMUser",
    "assumed-role": "AssumedRole",
    "federated-user": "FederatedUser",
}


def user_identity(caller: Caller) -> Element:
    """The element for an authenticated caller."""
    element: Element = {
        "type": _TYPES.get(caller.kind, "Unknown"),
        "principalId": caller.user_id,
        "arn": caller.arn,
        "accountId": caller.account_id,
        "accessKeyId": caller.access_key_id or "",
    }
    if caller.kind in ("user", "federated-user") and caller.name:
        element["userName"] = caller.name
    if caller.session is not None:
        element["sessionContext"] = _session_context(caller, caller.session)
    return element


def username(caller: Caller) -> str | None:
    """LookupEvents' ``Username``: the user's or session's name; ``root`` for root."""
    if caller.is_root:
        return "root"
    return caller.name


def actor_id(caller: Caller) -> str | None:
    """The unique id of the IAM user or role that acted: a role session counts as its role."""
    if caller.kind in ("user", "assumed-role"):
        return caller.entity_id
    return None


def federated_identity(kind: str, provider: str, subject: str | None, principal: str) -> Element:
    """``WebIdentityUser`` or ``SAMLUser``: the unsigned calls, named by their token."""
    element: Element = {"type": kind, "principalId": principal}
    if subject:
        element["userName"] = subject
    element["identityProvider"] = provider
    return element


def unknown_identity(account_id: str | None, access_key_id: str) -> Element:
    """A request whose signature did not prove who sent it."""
    element: Element = {"type": "Unknown", "accessKeyId": access_key_id}
    if account_id:
        element["accountId"] = account_id
    return element


def _session_context(caller: Caller, session: Session) -> Element:
    context: Element = {}
    issuer = _issuer(caller, session)
    if issuer:
        context["sessionIssuer"] = issuer
    provider = session.provider_arn or ""
    if ":oidc-provider/" in provider:
        context["webIdFederationData"] = {"federatedProvider": provider, "attributes": {}}
    context["attributes"] = {
        "creationDate": session.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mfaAuthenticated": "true" if session.has_mfa else "false",
    }
    if session.source_identity:
        context["sourceIdentity"] = session.source_identity
    return context


def _issuer(caller: Caller, session: Session) -> Element | None:
    """The role of a role session, the user (or root) a federated session came from."""
    parent = session.parent_arn
    if parent is None or caller.kind not in ("assumed-role", "federated-user"):
        return None
    arn = parse_arn(parent)
    account = arn.account if arn else caller.account_id
    name = arn.resource.rsplit("/", 1)[-1] if arn else ""
    if caller.kind == "assumed-role":
        principal = caller.entity_id or ""
        kind = "Role"
    elif parent.endswith(":root"):
        principal, kind, name = account, "Root", ""
    else:
        principal, kind = caller.entity_id or "", "IAMUser"
    issuer: Element = {"type": kind, "principalId": principal, "arn": parent, "accountId": account}
    if name:
        issuer["userName"] = name
    return issuer
