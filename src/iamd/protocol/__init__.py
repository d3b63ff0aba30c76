"""iamd.protocol: the AWS Query protocol of IAM (2010-05-08) and STS (2011-06-15).

Requests in: `decode_form` splits the body, `parse_request` finds the operation and
returns its typed, validated input. Answers out: `serialize_result` and
`serialize_error` write AWS's XML. All of it is driven by botocore's service models
(`service_model`); nothing here is written per operation.
"""

from iamd.protocol.form import decode_form
from iamd.protocol.models import service_model
from iamd.protocol.parse import ParsedRequest, parse_request
from iamd.protocol.serialize import serialize_error, serialize_result

__all__ = [
    "ParsedRequest",
    "decode_form",
    "parse_request",
    "serialize_error",
    "serialize_result",
    "service_model",
]
