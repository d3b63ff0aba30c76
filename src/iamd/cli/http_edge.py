"""uvicorn's HTTP/1.1 server (h11) answering what is not HTTP as the service would.

uvicorn answers bytes h11 cannot read as a request (a garbage request line, a bad
header byte, a head over h11's limit, a Transfer-Encoding other than chunked) with a
plain-text 400 of its own, and when the response to that request has already gone
out, fails with a traceback in the log. `EdgeProtocol` is uvicorn's `H11Protocol`
with only that answer replaced: the app's own error shape (``refusal``) and one log
line per such request (the app's own if it was reading the body, which it sees end).
A request with both Content-Length and Transfer-Encoding (the shape of request
smuggling, RFC 9112 §6.3) is refused as malformed rather than read one way by us and
another by a proxy in front. A response's writes in one turn of the event loop leave
as one (`coalesced_writes`). Each command passes its app's subclass to uvicorn as
``http=`` (`IamProtocol` here, the gateway's in `gateway_edge`); nothing of uvicorn
is patched.
"""

from __future__ import annotations

import asyncio
import http
import logging
from typing import Any, cast

import h11
from starlette.responses import Response
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from iamd.cli.coalesced_writes import CoalescedWrites
from iamd.server import edge

log = logging.getLogger("iamd.request")

# What each of h11's status hints means, in words a client can act on.
REASONS = {
    400: "The request is not a valid HTTP/1.1 request.",
    431: "The request's header section is larger than the server accepts.",
    501: "The request's Transfer-Encoding is not supported; only chunked is.",
}
# uvicorn's own line for a malformed request, which `EdgeProtocol` logs in its place.
_UVICORN_LINE = "Invalid HTTP request received."
# How much of h11's account of the error a log line keeps (it may quote the client).
_LOGGED_DETAIL = 200


class AmbiguousLength(h11.RemoteProtocolError):
    """A request with both Content-Length and Transfer-Encoding."""


class _Connection(h11.Connection):
    """h11's connection, keeping the error that made it give up on the request."""

    last_error: h11.RemoteProtocolError | None = None

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as error:
            self.last_error = error
            raise
        if isinstance(event, h11.Request) and _has_two_lengths(event):
            self.last_error = AmbiguousLength(
                "The request has both Content-Length and Transfer-Encoding."
            )
            raise self.last_error
        return event


def _has_two_lengths(request: h11.Request) -> bool:
    names = {name for name, _ in request.headers}
    return b"content-length" in names and b"transfer-encoding" in names


class _DropUvicornLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != _UVICORN_LINE


_DROP_UVICORN_LINE = _DropUvicornLine()


class EdgeProtocol(H11Protocol):
    """`H11Protocol` whose refusals of malformed requests are the app's own errors."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        head_limit = config.h11_max_incomplete_event_size
        self._connection = (
            _Connection(h11.SERVER) if head_limit is None else _Connection(h11.SERVER, head_limit)
        )
        self.conn = self._connection
        self.logger.addFilter(_DROP_UVICORN_LINE)  # once: a logger keeps a filter once

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A response's head and body, written one after the other, leave as one send.
        self._coalesced = CoalescedWrites(cast(asyncio.WriteTransport, transport), self.loop)
        super().connection_made(cast(asyncio.Transport, self._coalesced))

    def on_response_complete(self) -> None:
        # A whole response leaves now, not behind what else this turn scheduled (the
        # gateway's close of its upstream connection and its spare's connect).
        self._coalesced.send_held()
        super().on_response_complete()

    def eof_received(self) -> None:
        # The transport closes itself once this returns: what is held goes out first,
        # as it would have had it been written at once.
        self._coalesced.send_held()
        super().eof_received()

    @staticmethod
    def refusal(status_hint: int, reason: str) -> Response:
        """The app's error for a malformed request (each service's subclass says)."""
        raise NotImplementedError

    def send_400_response(self, msg: str) -> None:
        # uvicorn calls this, with its own text, when h11 gives up on the request.
        error = self._connection.last_error
        status_hint = error.error_status_hint if error else 400
        reason = str(error) if isinstance(error, AmbiguousLength) else REASONS.get(status_hint)
        if self.cycle is None or self.cycle.response_complete:
            self._log(error)
        # Else an app is reading the body: it hears the connection end, and says so itself.
        if self.conn.our_state in {h11.IDLE, h11.SEND_RESPONSE}:
            self._write(self.refusal(status_hint, reason or REASONS[400]))
        # Otherwise its answer is already on its way: nothing more can be said.
        self.transport.close()

    def _write(self, answer: Response) -> None:
        headers = [*self.server_state.default_headers, *answer.raw_headers]
        headers.append((b"connection", b"close"))
        phrase = http.HTTPStatus(answer.status_code).phrase.encode()
        head = h11.Response(status_code=answer.status_code, headers=headers, reason=phrase)
        for event in (head, h11.Data(data=bytes(answer.body)), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")

    def _log(self, error: h11.RemoteProtocolError | None) -> None:
        client = self.client[0] if self.client else "unknown"
        detail = str(error)[:_LOGGED_DETAIL] if error else "unknown"
        # %r: the detail may quote the client's bytes, and a newline must not start a line.
        log.info("client %s sent a malformed HTTP request: %r", client, detail)

    def _unsupported_upgrade_warning(self) -> None:
        # An Upgrade header iamd does not take (h2c, websocket) is ignored, as HTTP
        # allows; uvicorn would log two warnings for every such request.
        return


class IamProtocol(EdgeProtocol):
    """``iamd serve``: AWS's XML ``<ErrorResponse>``."""

    refusal = staticmethod(edge.malformed_http)
