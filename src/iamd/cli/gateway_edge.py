"""The gateway's HTTP servers: malformed requests answered in each service's error shape.

Apart from `http_edge`, so that only ``iamd gateway`` imports the data plane.
"""

from __future__ import annotations

from iamd.cli.http_edge import EdgeProtocol
from iamd.gateway import api_app, s3_app


class S3Protocol(EdgeProtocol):
    """``iamd gateway --service s3``: S3's XML ``<Error>``."""

    refusal = staticmethod(s3_app.malformed_http)


class ApiProtocol(EdgeProtocol):
    """``iamd gateway --service execute-api``: API Gateway's JSON ``{"message": …}``."""

    refusal = staticmethod(api_app.malformed_http)
