"""The API's answers carry exactly the head Starlette's own `Response` would give them.

`ApiResponse` builds that head directly (it is on every request); these hold it equal,
name for name and byte for byte, to Starlette's for every kind of answer the
pipeline gives.
"""

from __future__ import annotations

import pytest
from starlette.responses import Response

from iamd.protocol.json_protocol import CONTENT_TYPE as JSON_CONTENT_TYPE
from iamd.server.app import ApiResponse
from iamd.server.pipeline import XML_CONTENT_TYPE
from iamd.server.pipeline import Response as PipelineResponse


@pytest.mark.parametrize("status", [200, 400, 403, 404, 409, 413, 500, 503])
@pytest.mark.parametrize("content_type", [XML_CONTENT_TYPE, JSON_CONTENT_TYPE])
@pytest.mark.parametrize("body", [b"", b"<a/>", "<a>\u00e9</a>".encode()])
def test_the_head_is_starlettes(status: int, content_type: str, body: bytes) -> None:
    answer = PipelineResponse(status, body, "4c2a1f3e-8d6b-4b5e-9f0a-2c7d8e9f0a1b", content_type)
    starlettes = Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.content_type,
        headers={"x-amzn-RequestId": answer.request_id},
    )
    ours = ApiResponse(answer)
    assert ours.raw_headers == starlettes.raw_headers
    assert (ours.status_code, ours.body, ours.background) == (status, body, None)
