"""Form fields as browsers send them, and the limits on what is read."""

from __future__ import annotations

import pytest

from iamd.console.forms import MAX_BODY_BYTES, FormTooLarge, parse_body, parse_fields


def test_fields_keep_order_blanks_and_repeats() -> None:
    fields = parse_fields("group=a&group=b&name=&q=x+y")
    assert fields.getlist("group") == ["a", "b"]
    assert fields.get("name") == "" and fields.has("name")
    assert fields.get("q") == "x y" and fields.get("missing", "d") == "d"
    assert parse_fields("n=%20padded%20").stripped("n") == "padded"


def test_only_form_bodies_are_read() -> None:
    assert parse_body(b"a=1", "application/x-www-form-urlencoded; charset=UTF-8").get("a") == "1"
    assert not parse_body(b"a=1", "application/json").has("a")


def test_oversized_forms_are_refused() -> None:
    with pytest.raises(FormTooLarge):
        parse_body(b"a" * (MAX_BODY_BYTES + 1), "application/x-www-form-urlencoded")
    with pytest.raises(FormTooLarge):
        parse_fields("&".join(f"f{i}=1" for i in range(3000)))


def test_a_multipart_form_carries_its_fields_and_a_file_s_text() -> None:
    boundary = "----iamd-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
        "tok\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="metadata_file"; filename="idp.xml"\r\n'
        "Content-Type: text/xml\r\n\r\n"
        "<EntityDescriptor>é</EntityDescriptor>\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    fields = parse_body(body, f"multipart/form-data; boundary={boundary}")
    assert fields.get("csrf_token") == "tok"
    assert fields.get("metadata_file") == "<EntityDescriptor>é</EntityDescriptor>"
    assert not parse_body(b"garbage", "multipart/form-data; boundary=x").has("csrf_token")


def test_whole_numbers_are_ascii_digits_that_int_can_read() -> None:
    from iamd.console.forms import whole_number

    assert whole_number("42") == 42
    assert [whole_number(text) for text in ("", "²", "٣", "-1", " 4", "9" * 10)] == [None] * 6


def test_characters_xml_cannot_carry_are_replaced() -> None:
    fields = parse_fields("name=a%00b&c%01=d")
    assert fields.get("name") == "a\ufffdb"
    assert fields.get("c\ufffd") == "d"
