"""Text of a Query parameter → the Python value its shape's type calls for.

Each reader takes the decoded text and returns the value, or raises ``ValueError``
with the constraint text the parser reports. Numbers are read as Java reads them
(optional sign, ASCII digits, 32- or 64-bit range), not as Python's ``int()``, which
also takes ``"1_000"``, ``" 7 "`` and Arabic-Indic digits.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]{1,20}", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)
_EPOCH = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?", re.ASCII)

Reader = Callable[[str], Any]


def _bounded_integer(bits: int, text: str) -> Reader:
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def read(value: str) -> int:
        if _INTEGER.fullmatch(value) is None:
            raise ValueError(text)
        number = int(value)
        if not low <= number <= high:
            raise ValueError(text)
        return number

    return read


def read_boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ValueError("Member must be a boolean (true or false)")
    return lowered == "true"


def read_float(value: str) -> float:
    if _DECIMAL.fullmatch(value) is None:
        raise ValueError("Member must be a number")
    return float(value)


def read_timestamp(value: str) -> datetime:
    """ISO 8601 (what botocore sends) or seconds since the epoch, as an aware UTC time."""
    try:
        if _EPOCH.fullmatch(value):
            return datetime.fromtimestamp(float(value), UTC)
        parsed = datetime.fromisoformat(value)
        # Converting can leave the years Python holds: 9999-12-31T23:59:59-01:00.
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError("Member must be an ISO 8601 timestamp") from None


def read_blob(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("Member must be base64-encoded") from None


def read_string(value: str) -> str:
    return value


READERS: dict[str, Reader] = {
    "string": read_string,
    "integer": _bounded_integer(32, "Member must be an integer"),
    "long": _bounded_integer(64, "Member must be a long integer"),
    "boolean": read_boolean,
    "float": read_float,
    "double": read_float,
    "timestamp": read_timestamp,
    "blob": read_blob,
}
