"""iamd.protocol.form: form bodies and query strings, decoded strictly."""

from __future__ import annotations

import pytest

from iamd.errors import MalformedQueryString
from iamd.protocol import decode_form


def test_pairs_in_wire_order_with_repeats() -> None:
    assert decode_form(b"Action=ListUsers&Version=2010-05-08&A=1&A=2") == [
        ("Action", "ListUsers"),
        ("Version", "2010-05-08"),
        ("A", "1"),
        ("A", "2"),
    ]


def test_plus_is_space_and_escapes_decode_as_utf8() -> None:
    assert decode_form(b"Tag=a+b%2Bc%20d&Name=%C3%A9%E6%97%A5") == [
        ("Tag", "a b+c d"),
        ("Name", "é日"),
    ]


def test_empty_fields_names_and_values() -> None:
    assert decode_form(b"") == []
    assert decode_form(b"&&A=&B&=v&") == [("A", ""), ("B", ""), ("", "v")]
    assert decode_form(b"Policy=a=b") == [("Policy", "a=b")]


def test_raw_utf8_bytes_are_accepted() -> None:
    assert decode_form("Name=é".encode()) == [("Name", "é")]


@pytest.mark.parametrize("raw", [b"A=%ZZ", b"A=%4", b"A=100%", b"%G1=x"])
def test_malformed_percent_escapes(raw: bytes) -> None:
    with pytest.raises(MalformedQueryString) as caught:
        decode_form(raw)
    assert caught.value.status == 404


@pytest.mark.parametrize("raw", [b"A=%FF", b"A=%C3%28", b"A=\xff", b"%ED%A0%80=x"])
def test_invalid_utf8(raw: bytes) -> None:
    with pytest.raises(MalformedQueryString):
        decode_form(raw)
