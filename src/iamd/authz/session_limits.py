"""What temporary credentials may not do, whatever their policies say.

In: the caller (with its session) and the service and operation asked for. Out:
nothing, or AWS's error. The rules (IAM User Guide, "Compare AWS STS credentials"):

- no temporary credentials call GetSessionToken or GetFederationToken
  (AccessDenied "Cannot call GetSessionToken with session credentials");
- GetSessionToken credentials call IAM only when the session was opened with MFA,
  and STS only for AssumeRole, GetCallerIdentity and GetScopedCredentials; without
  MFA, AWS answers IAM calls as it does an unknown token (InvalidClientTokenId);
- federated users (GetFederationToken) call no IAM operation and of STS only
  GetCallerIdentity and GetScopedCredentials (which narrows them further).
"""

from __future__ import annotations

from iamd.auth.caller import FEDERATED_SESSION, ROOT_SESSION, USER_SESSION, Caller
from iamd.errors import AccessDenied, InvalidClientTokenId

INVALID_TOKEN = "The security token included in the request is invalid."
NO_SESSION_CREDENTIALS = frozenset({"GetSessionToken", "GetFederationToken"})
SESSION_TOKEN_STS = frozenset({"AssumeRole", "GetCallerIdentity", "GetScopedCredentials"})
FEDERATED_STS = frozenset({"GetCallerIdentity", "GetScopedCredentials"})


def check_session_limits(caller: Caller, service: str, operation: str) -> None:
    """Raise AWS's error when temporary credentials of this kind may not do this."""
    session = caller.session
    if session is None:
        return
    if service == "sts" and operation in NO_SESSION_CREDENTIALS:
        raise AccessDenied(f"Cannot call {operation} with session credentials")
    if session.origin in (USER_SESSION, ROOT_SESSION):
        _check_session_token(caller, service, operation, has_mfa=session.has_mfa)
    elif session.origin == FEDERATED_SESSION:
        _check_federated(caller, service, operation)


def _check_session_token(caller: Caller, service: str, operation: str, *, has_mfa: bool) -> None:
    if service == "iam" and not has_mfa:
        raise InvalidClientTokenId(INVALID_TOKEN)
    if service == "sts" and operation not in SESSION_TOKEN_STS:
        raise AccessDenied(_not_authorized(caller, f"sts:{operation}"))


def _check_federated(caller: Caller, service: str, operation: str) -> None:
    if service == "iam":
        raise InvalidClientTokenId(INVALID_TOKEN)
    if service == "sts" and operation not in FEDERATED_STS:
        raise AccessDenied(_not_authorized(caller, f"sts:{operation}"))


def _not_authorized(caller: Caller, action: str) -> str:
    return f"User: {caller.arn} is not authorized to perform: {action}"
