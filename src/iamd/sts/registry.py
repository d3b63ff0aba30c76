"""Every STS operation iamd implements, by its AWS name, and the work some need done first."""

from __future__ import annotations

from iamd.operation import Operation, Preparation
from iamd.sts import (
    assume_role,
    assume_root,
    authorization_message,
    caller_identity,
    delegated_access,
    federation,
    saml,
    scoped_credentials,
    session_token,
    web_identity,
    web_identity_token,
)
from iamd.sts.oidc_prefetch import prepare_web_identity

STS_OPERATIONS: dict[str, Operation] = {
    **caller_identity.OPERATIONS,
    **assume_role.OPERATIONS,
    **session_token.OPERATIONS,
    **federation.OPERATIONS,
    **web_identity.OPERATIONS,
    **saml.OPERATIONS,
    **authorization_message.OPERATIONS,
    **assume_root.OPERATIONS,
    **delegated_access.OPERATIONS,
    **scoped_credentials.OPERATIONS,
    **web_identity_token.OPERATIONS,
}

# Run by the pipeline before the operation's transaction: fetching an issuer's keys.
STS_PREPARATIONS: dict[str, Preparation] = {
    "AssumeRoleWithWebIdentity": prepare_web_identity,
}
