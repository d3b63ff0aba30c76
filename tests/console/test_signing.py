"""Signed tokens: what one key signs, only that key verifies, unchanged."""

from __future__ import annotations

from iamd.console import signing

KEY = signing.derive_key(b"m" * 32, "session")


def test_a_token_round_trips() -> None:
    token = signing.sign(KEY, {"a": "123456789012", "n": "alice"})
    assert signing.unsign(KEY, token) == {"a": "123456789012", "n": "alice"}


def test_each_purpose_has_its_own_key() -> None:
    other = signing.derive_key(b"m" * 32, "csrf")
    assert other != KEY
    assert signing.unsign(other, signing.sign(KEY, {"x": 1})) is None


def test_any_change_to_a_token_is_refused() -> None:
    token = signing.sign(KEY, {"n": "alice"})
    body, _, signature = token.partition(".")
    forged_body = signing.sign(KEY, {"n": "mallory"}).partition(".")[0]
    assert signing.unsign(KEY, f"{forged_body}.{signature}") is None
    assert signing.unsign(KEY, f"{body}.{signature[:-1]}A") is None or signature.endswith("A")
    assert signing.unsign(KEY, body) is None
    assert signing.unsign(KEY, "") is None


def test_a_signed_body_that_is_not_an_object_is_refused() -> None:
    body = signing._encode(b"[1, 2]")
    assert signing.unsign(KEY, f"{body}.{signing.mac(KEY, body)}") is None
