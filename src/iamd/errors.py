"""AWS error classes: raised by the layer that knows, translated once by `iamd.protocol`.

Each class is data: the AWS error code, the HTTP status and whether the caller is at
fault ("Sender") or the service ("Receiver"). The instance carries AWS's message text.
The codes and statuses of modelled errors are checked against botocore's service
models by `tests/test_errors.py`.
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """An error AWS would answer with its own code, HTTP status and message."""

    code: ClassVar[str] = "InternalFailure"
    status: ClassVar[int] = 500
    sender_fault: ClassVar[bool] = False

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    @property
    def fault_type(self) -> str:
        return "Sender" if self.sender_fault else "Receiver"


class ClientError(ServiceError):
    status = 400
    sender_fault = True


# --- Common errors (every AWS Query service) -----------------------------------------


class InternalFailure(ServiceError):
    code = "InternalFailure"
    status = 500


class ServiceFailure(ServiceError):
    code = "ServiceFailure"
    status = 500


class ValidationError(ClientError):
    code = "ValidationError"


class InvalidAction(ClientError):
    code = "InvalidAction"


class InvalidParameterValue(ClientError):
    code = "InvalidParameterValue"


class InvalidParameterCombination(ClientError):
    code = "InvalidParameterCombination"


class MissingParameter(ClientError):
    code = "MissingParameter"


class InvalidQueryParameter(ClientError):
    """A request that does not follow the Query protocol's standard (AWS's common error)."""

    code = "InvalidQueryParameter"


class MalformedQueryString(ClientError):
    code = "MalformedQueryString"
    status = 404


class MissingAction(ClientError):
    code = "MissingAction"


class NotImplementedOperation(ClientError):
    """An operation in AWS's model that iamd does not implement yet: said plainly."""

    code = "NotImplemented"
    status = 501


class MethodNotAllowed(ClientError):
    """An HTTP method the Query protocol has no use for (iamd's code: AWS documents none)."""

    code = "MethodNotAllowed"
    status = 405


class RequestEntityTooLarge(ClientError):
    code = "RequestEntityTooLarge"
    status = 413


class Throttling(ClientError):
    code = "Throttling"


# --- Authentication ------------------------------------------------------------------


class MissingAuthenticationToken(ClientError):
    code = "MissingAuthenticationToken"
    status = 403


class IncompleteSignature(ClientError):
    code = "IncompleteSignature"


class InvalidClientTokenId(ClientError):
    code = "InvalidClientTokenId"
    status = 403


class SignatureDoesNotMatch(ClientError):
    code = "SignatureDoesNotMatch"
    status = 403


class ExpiredToken(ClientError):
    code = "ExpiredToken"
    status = 403


class AccessDenied(ClientError):
    code = "AccessDenied"
    status = 403


class OptInRequired(ClientError):
    code = "OptInRequired"
    status = 403


# --- IAM (codes and statuses as in botocore's iam model) ------------------------------


class ConcurrentModification(ClientError):
    code = "ConcurrentModification"
    status = 409


class ReportExpired(ClientError):
    code = "ReportExpired"
    status = 410


class ReportNotPresent(ClientError):
    code = "ReportNotPresent"
    status = 410


class ReportInProgress(ClientError):
    code = "ReportInProgress"
    status = 404


class DeleteConflict(ClientError):
    code = "DeleteConflict"
    status = 409


class DuplicateCertificate(ClientError):
    code = "DuplicateCertificate"
    status = 409


class DuplicateSSHPublicKey(ClientError):
    code = "DuplicateSSHPublicKey"


class EntityAlreadyExists(ClientError):
    code = "EntityAlreadyExists"
    status = 409


class EntityTemporarilyUnmodifiable(ClientError):
    code = "EntityTemporarilyUnmodifiable"
    status = 409


class InvalidAuthenticationCode(ClientError):
    code = "InvalidAuthenticationCode"
    status = 403


class InvalidCertificate(ClientError):
    code = "InvalidCertificate"


class InvalidInput(ClientError):
    code = "InvalidInput"


class InvalidPublicKey(ClientError):
    code = "InvalidPublicKey"


class InvalidUserType(ClientError):
    code = "InvalidUserType"


class KeyPairMismatch(ClientError):
    code = "KeyPairMismatch"


class LimitExceeded(ClientError):
    code = "LimitExceeded"
    status = 409


class MalformedCertificate(ClientError):
    code = "MalformedCertificate"


class MalformedPolicyDocument(ClientError):
    code = "MalformedPolicyDocument"


class NoSuchEntity(ClientError):
    code = "NoSuchEntity"
    status = 404


class PasswordPolicyViolation(ClientError):
    code = "PasswordPolicyViolation"


class PolicyEvaluation(ServiceError):
    code = "PolicyEvaluation"
    status = 500


class PolicyNotAttachable(ClientError):
    code = "PolicyNotAttachable"


class UnmodifiableEntity(ClientError):
    code = "UnmodifiableEntity"


class UnrecognizedPublicKeyEncoding(ClientError):
    code = "UnrecognizedPublicKeyEncoding"


class NotSupportedService(ClientError):
    code = "NotSupportedService"
    status = 404


class OrganizationNotFound(ClientError):
    """Modelled without an error code: AWS answers with the shape's name."""

    code = "OrganizationNotFoundException"


class FeatureDisabled(ClientError):
    code = "FeatureDisabled"
    status = 404


class FeatureEnabled(ClientError):
    code = "FeatureEnabled"
    status = 409


# --- STS ------------------------------------------------------------------------------


class ExpiredTokenException(ClientError):
    code = "ExpiredTokenException"


class IDPRejectedClaim(ClientError):
    code = "IDPRejectedClaim"
    status = 403


class IDPCommunicationError(ClientError):
    code = "IDPCommunicationError"


class InvalidIdentityToken(ClientError):
    code = "InvalidIdentityToken"


class InvalidAuthorizationMessageException(ClientError):
    code = "InvalidAuthorizationMessageException"


class PackedPolicyTooLarge(ClientError):
    code = "PackedPolicyTooLarge"


class RegionDisabledException(ClientError):
    code = "RegionDisabledException"
    status = 403


class ExpiredTradeInToken(ClientError):
    code = "ExpiredTradeInTokenException"


class InsufficientSessionLifetime(ClientError):
    code = "InsufficientSessionLifetime"


class InvalidSubjectCredentials(ClientError):
    code = "InvalidSubjectCredentials"


class OutboundWebIdentityFederationDisabled(ClientError):
    code = "OutboundWebIdentityFederationDisabledException"
    status = 403


class JWTPayloadSizeExceeded(ClientError):
    code = "JWTPayloadSizeExceededException"


class SessionDurationEscalation(ClientError):
    code = "SessionDurationEscalationException"
    status = 403


# --- CloudTrail (JSON protocol: the code is the exception's name) ----------------------


class InvalidLookupAttributesException(ClientError):
    code = "InvalidLookupAttributesException"


class InvalidTimeRangeException(ClientError):
    code = "InvalidTimeRangeException"


class InvalidNextTokenException(ClientError):
    code = "InvalidNextTokenException"
