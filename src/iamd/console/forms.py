"""Form and query fields as a browser sends them (``application/x-www-form-urlencoded``,
or ``multipart/form-data`` for a form that uploads a file).

In: the raw body or query string. Out: `Fields`, the ordered (name, value) pairs with
`get` and `getlist`; an uploaded file's field holds the file's text (UTF-8). Bodies
past `MAX_BODY_BYTES` or with more than `MAX_FIELDS` fields are refused before
parsing, so one request cannot exhaust memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qsl

from iamd.protocol.characters import xml_safe

MAX_BODY_BYTES = 1024 * 1024
MAX_FIELDS = 2000
FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"


class FormTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class Fields:
    pairs: tuple[tuple[str, str], ...] = ()

    def get(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)

    def stripped(self, name: str) -> str:
        return self.get(name).strip()


# Nine digits hold any count a page or form means; int() is never asked for more.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}", re.ASCII)


def whole_number(text: str) -> int | None:
    """``text`` as a whole number, or None: ASCII digits only (``²`` and ``٣`` are not)."""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def parse_fields(raw: str) -> Fields:
    """The fields, as text XML can carry: U+0000 and its kind become U+FFFD.

    Such a character can be no name the store holds (PostgreSQL refuses U+0000 even
    in a lookup), and a page could not show it; replaced, it finds nothing.
    """
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise FormTooLarge("too many fields") from None
    return Fields(tuple((xml_safe(name), xml_safe(value)) for name, value in pairs))


def parse_body(body: bytes, content_type: str) -> Fields:
    """The fields of a form POST; any other kind of body has none."""
    if len(body) > MAX_BODY_BYTES:
        raise FormTooLarge("body too large")
    kind = content_type.split(";")[0].strip().lower()
    if kind == MULTIPART_TYPE:
        return parse_multipart(body, content_type)
    if kind != FORM_TYPE:
        return Fields()
    return parse_fields(body.decode("utf-8", errors="replace"))


def parse_multipart(body: bytes, content_type: str) -> Fields:
    """The fields of a ``multipart/form-data`` body (the standard library's MIME parser)."""
    try:
        head = f"Content-Type: {content_type}\r\n\r\n".encode("ascii")
    except UnicodeEncodeError:
        return Fields()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        return Fields()
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        if len(pairs) >= MAX_FIELDS:
            raise FormTooLarge("too many fields")
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        pairs.append((name, raw.decode("utf-8", errors="replace")))
    return Fields(tuple(pairs))
