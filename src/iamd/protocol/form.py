"""The ``application/x-www-form-urlencoded`` body (or query string) of a Query request.

Bytes in, ``[(name, value), …]`` out, in wire order and with repeats kept so that the
parser can see them. Decoding is strict where the standard library is lenient: a
``%`` not followed by two hex digits, or bytes that are not UTF-8 once decoded, are
AWS's ``MalformedQueryString`` rather than text silently altered.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from iamd.errors import MalformedQueryString

_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def decode_form(raw: bytes) -> list[tuple[str, str]]:
    """Split and percent-decode a form body or raw query string."""
    bad = _BAD_ESCAPE.search(raw)
    if bad is not None:
        escape = raw[bad.start() : bad.start() + 3].decode("ascii", "backslashreplace")
        raise MalformedQueryString(f"The query string has an invalid percent-encoding: {escape}")
    pairs: list[tuple[str, str]] = []
    for field in raw.split(b"&"):
        if field:
            name, _, value = field.partition(b"=")
            pairs.append((_decode(name), _decode(value)))
    return pairs


def _decode(part: bytes) -> str:
    if part.isascii() and b"%" not in part and b"+" not in part:
        return part.decode("ascii")
    try:
        return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedQueryString(
            "The query string is not valid UTF-8 once percent-decoded"
        ) from None
