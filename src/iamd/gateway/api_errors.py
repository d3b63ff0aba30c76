"""API Gateway's errors, as it writes them for an ``AWS_IAM``-authorized API.

A JSON body ``{"message": …}`` (``{"Message": …}`` for an authorization denial, as API
Gateway spells it) with the error type in ``x-amzn-ErrorType`` and the request id in
``x-amzn-RequestId`` (API Gateway developer guide, "Gateway responses"). The
authentication layer raises IAM's classes; `from_auth_error` names them as API
Gateway does.
"""

from __future__ import annotations

import json

from iamd import errors


class ApiError(Exception):
    def __init__(self, error_type: str, status: int, message: str, *, key: str = "message") -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status
        self.message = message
        self.key = key

    def body(self) -> bytes:
        return json.dumps({self.key: self.message}).encode()


MISSING_TOKEN = ApiError("MissingAuthenticationTokenException", 403, "Missing Authentication Token")
FORBIDDEN = ApiError("ForbiddenException", 403, "Forbidden")


def access_denied(message: str) -> ApiError:
    return ApiError("AccessDeniedException", 403, message, key="Message")


def from_auth_error(error: errors.ServiceError) -> ApiError:
    match error:
        case errors.InvalidClientTokenId():
            return ApiError("UnrecognizedClientException", 403, error.message)
        case errors.ExpiredToken():
            return ApiError("ExpiredTokenException", 403, error.message)
        case errors.MissingAuthenticationToken():
            return MISSING_TOKEN
        case errors.IncompleteSignature():
            return ApiError("IncompleteSignatureException", 403, error.message)
        case _:
            return ApiError("InvalidSignatureException", 403, error.message)
