"""S3's errors, as S3 writes them: ``<Error><Code>…</Code><Message>…</Message>…</Error>``.

Every refusal the S3 gateway makes is one of these, with S3's code, HTTP status and
wording (S3 API Reference, "Error responses"), and the request id in the body and in
``x-amz-request-id``, so the AWS CLI and SDKs report it as they would S3's own. The
authentication layer raises IAM's classes; `from_auth_error` names them as S3 does.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from iamd import errors

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


class S3Error(Exception):
    """An error S3 would answer: code, HTTP status, message and any extra elements."""

    def __init__(self, code: str, status: int, message: str, **details: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.details = details

    def xml(self, request_id: str) -> bytes:
        fields = {"Code": self.code, "Message": self.message, **self.details}
        fields["RequestId"] = request_id
        fields["HostId"] = request_id
        body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
        return f"{XML_DECLARATION}<Error>{body}</Error>".encode()


def access_denied(message: str = "Access Denied") -> S3Error:
    return S3Error("AccessDenied", 403, message)


def malformed_trailer() -> S3Error:
    return S3Error(
        "MalformedTrailerError",
        400,
        "The request contained trailing data that was not well-formed or did not conform "
        "to our published schema.",
    )


def not_implemented(what: str) -> S3Error:
    return S3Error(
        "NotImplemented",
        501,
        f"A header or query you provided implies functionality that is not implemented: {what}",
    )


def invalid_argument(message: str, name: str = "", value: str = "") -> S3Error:
    details = {"ArgumentName": name, "ArgumentValue": value} if name else {}
    return S3Error("InvalidArgument", 400, message, **details)


SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)


def from_auth_error(error: errors.ServiceError, access_key_id: str, *, presigned: bool) -> S3Error:
    """The S3 error for what authentication refused (it speaks IAM's codes)."""
    match error:
        case errors.InvalidClientTokenId() if access_key_id.startswith("ASIA"):
            return S3Error(
                "InvalidToken", 400, "The provided token is malformed or otherwise invalid."
            )
        case errors.InvalidClientTokenId():
            return S3Error(
                "InvalidAccessKeyId",
                403,
                "The AWS Access Key Id you provided does not exist in our records.",
                AWSAccessKeyId=access_key_id,
            )
        case errors.ExpiredToken():
            return S3Error("ExpiredToken", 400, "The provided token has expired.")
        case errors.SignatureDoesNotMatch() if error.message.startswith("Credential should"):
            return _malformed(error.message, presigned=presigned)
        case errors.SignatureDoesNotMatch() if error.message.startswith("Date in Credential"):
            return _malformed(error.message, presigned=presigned)
        case errors.SignatureDoesNotMatch():
            return S3Error(
                "SignatureDoesNotMatch", 403, SIGNATURE_MISMATCH, AWSAccessKeyId=access_key_id
            )
        case errors.IncompleteSignature() | errors.MissingAuthenticationToken():
            return _malformed(error.message, presigned=presigned)
        case _:
            return access_denied()


def _malformed(message: str, *, presigned: bool) -> S3Error:
    if presigned:
        return S3Error("AuthorizationQueryParametersError", 400, message)
    return S3Error("AuthorizationHeaderMalformed", 400, message)
