"""The ceiling: the irreducible work of a signed read, served by the same uvicorn.

Parse the form, verify SigV4 with iamd's own verifier, look the answer up in a dict,
write the XML. No store, no authorization, no model-driven serialization: whatever
iamd spends beyond this is its own overhead. Keys come from the environment
(``CEILING_KEY_ID``, ``CEILING_SECRET``).
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from iamd.auth.sigv4 import HttpRequest, read_signature, verify_signature
from iamd.protocol import decode_form

SECRETS = {os.environ.get("CEILING_KEY_ID", ""): os.environ.get("CEILING_SECRET", "")}
ANSWERS = {
    "GetCallerIdentity": (
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bench</Arn>"
        b"<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
        b"</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>"
        b"</ResponseMetadata></GetCallerIdentityResponse>"
    ),
}


async def endpoint(request: Request) -> Response:
    body = await request.body()
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]}
    http = HttpRequest("POST", request.scope["path"], "", headers, body)
    signed = read_signature(http)
    form = dict(decode_form(body))
    if signed is None or signed.access_key_id not in SECRETS:
        return Response(b"<Error/>", status_code=403)
    verify_signature(http, signed, SECRETS[signed.access_key_id])
    return Response(ANSWERS[form["Action"]], media_type="text/xml")


app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST"])])
