"""AssumeRoleWithSAML: a SAML 2.0 assertion from an IdP registered in IAM, for a role session.

In (unsigned): ``RoleArn``, ``PrincipalArn`` (the SAML provider), ``SAMLAssertion``
(base64), the optional session policies and ``DurationSeconds``. Out:
``Credentials``, ``AssumedRoleUser``, ``Subject``, ``SubjectType``, ``Issuer``,
``Audience``, ``NameQualifier``, ``SourceIdentity`` and ``PackedPolicySize`` when
policies or tags were passed.

The assertion's signature is verified against the provider's metadata certificates
(`saml_assertion`, `saml_signature`), its issuer, audience and validity window checked, and
its ``Role`` attribute must pair this provider with this role. The trust policy sees
the provider as a ``Federated`` principal and ``saml:aud``, ``saml:iss``,
``saml:sub``, ``saml:sub_type`` and ``saml:namequalifier``; ``PrincipalTag:…`` and
``TransitiveTagKeys`` attributes become session tags, ``SourceIdentity`` the source
identity, ``SessionDuration`` the default length.
"""

from __future__ import annotations

import base64
import hashlib

from iamd.authz.context_keys import ContextKeys
from iamd.errors import AccessDenied, InvalidIdentityToken
from iamd.iam.saml_metadata import parse_metadata
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import providers
from iamd.store.providers import SamlProvider
from iamd.sts.federated import FederatedRequest, assume_federated, federated_role
from iamd.sts.saml_assertion import ATTRIBUTE, SamlAssertion, verified_assertion
from iamd.sts.session_tags import SessionTags, token_tags
from iamd.sts.trust import checked_role_arn

ACTION = "sts:AssumeRoleWithSAML"
TAG_PREFIX = "PrincipalTag:"
NO_PROVIDER = "Specified provider doesn't exist."
# AWS's words when the RoleSessionName attribute is missing or malformed.
NO_SESSION_NAME = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
BAD_DURATION = "The SAML SessionDuration attribute must be a number from 900 to 43200."
SESSION_DURATIONS = range(900, 43201)


def assume_role_with_saml(ctx: OperationContext, params: Params) -> Output:
    checked_role_arn(params["RoleArn"])
    provider = _provider(ctx, params["PrincipalArn"])
    metadata = parse_metadata(provider.metadata_document)
    assertion = verified_assertion(
        params["SAMLAssertion"], metadata.signing_certificates, metadata.entity_id, ctx.now
    )
    _check_role_pair(assertion, params["RoleArn"], provider.arn)
    role = federated_role(ctx, params["RoleArn"], ACTION)
    qualifier = name_qualifier(assertion.issuer, role.account_id, provider.name)
    request = FederatedRequest(
        action=ACTION,
        provider_arn=provider.arn,
        session_name=_session_name(assertion),
        claims=claim_keys(assertion, qualifier),
        tags=_tags(assertion),
        source_identity=next(iter(assertion.attribute("SourceIdentity")), None),
    )
    output = assume_federated(ctx, _with_duration(params, assertion), role, request)
    output.update(
        Subject=assertion.subject,
        SubjectType=assertion.subject_type,
        Issuer=assertion.issuer,
        Audience=assertion.recipient,
        NameQualifier=qualifier,
    )
    return output


def _provider(ctx: OperationContext, provider_arn: str) -> SamlProvider:
    provider = providers.saml_provider_for(ctx.conn, provider_arn)
    if provider is None:
        raise InvalidIdentityToken(NO_PROVIDER)
    return provider


def _check_role_pair(assertion: SamlAssertion, role_arn: str, provider_arn: str) -> None:
    """The assertion's Role attribute must offer this role through this provider.

    AWS answers a role the response does not offer with AccessDenied (IAM User Guide,
    "Troubleshooting SAML 2.0 federation"), not IDPRejectedClaim.
    """
    for value in assertion.attribute("Role"):
        pair = {part.strip() for part in value.split(",")}
        if pair == {role_arn, provider_arn}:
            return
    raise AccessDenied(f"Not authorized to perform {ACTION}")


def _session_name(assertion: SamlAssertion) -> str:
    names = assertion.attribute("RoleSessionName")
    name = names[0] if names else ""
    allowed = all(char.isalnum() or char in "_+=,.@-" for char in name)
    if not 2 <= len(name) <= 64 or not allowed:
        raise InvalidIdentityToken(NO_SESSION_NAME)
    return name


def _with_duration(params: Params, assertion: SamlAssertion) -> Params:
    """DurationSeconds if given, else the assertion's SessionDuration, else one hour."""
    durations = assertion.attribute("SessionDuration")
    if params.get("DurationSeconds") is not None or not durations:
        return params
    text = durations[0]
    is_number = text.isascii() and text.isdigit() and len(text) <= 5
    if not is_number or int(text) not in SESSION_DURATIONS:
        raise InvalidIdentityToken(BAD_DURATION)
    return {**params, "DurationSeconds": int(text)}


def name_qualifier(issuer: str, account_id: str, provider_name: str) -> str:
    """AWS's NameQualifier: base64(SHA-1(issuer + account id + "/" + provider name))."""
    digest = hashlib.sha1(f"{issuer}{account_id}/{provider_name}".encode()).digest()
    return base64.b64encode(digest).decode("ascii")


def claim_keys(assertion: SamlAssertion, qualifier: str) -> ContextKeys:
    return {
        "saml:aud": assertion.recipient,
        "saml:iss": assertion.issuer,
        "saml:sub": assertion.subject,
        "saml:sub_type": assertion.subject_type,
        "saml:namequalifier": qualifier,
    }


def _tags(assertion: SamlAssertion) -> SessionTags:
    prefix = ATTRIBUTE + TAG_PREFIX
    tags = tuple(
        (name.removeprefix(prefix), values[0] if values else "")
        for name, values in assertion.attributes.items()
        if name.startswith(prefix)
    )
    return token_tags(tags, assertion.attribute("TransitiveTagKeys"))


OPERATIONS: OperationTable = {"AssumeRoleWithSAML": assume_role_with_saml}
