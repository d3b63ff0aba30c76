"""CSRF tokens: bound to the browser's nonce and to the session; origins checked."""

from __future__ import annotations

from iamd.console import csrf, signing

KEY = signing.derive_key(b"k" * 32, "csrf")


def test_a_token_is_valid_for_its_nonce_and_session_only() -> None:
    nonce = csrf.new_nonce()
    token = csrf.token_for(KEY, nonce, "session-1")
    assert csrf.is_valid(KEY, nonce, "session-1", token)
    assert not csrf.is_valid(KEY, nonce, "session-2", token)
    assert not csrf.is_valid(KEY, csrf.new_nonce(), "session-1", token)
    assert not csrf.is_valid(KEY, nonce, "session-1", None)
    assert not csrf.is_valid(KEY, None, "session-1", token)


def test_nonces_are_random() -> None:
    assert len({csrf.new_nonce() for _ in range(100)}) == 100


def test_the_origin_must_be_ours_when_the_browser_names_one() -> None:
    ours = "http://127.0.0.1:4599"
    assert csrf.same_origin({"origin": ours}, ours)
    assert not csrf.same_origin({"origin": "https://evil.example"}, ours)
    assert csrf.same_origin({"referer": ours + "/console/signin"}, ours)
    assert not csrf.same_origin({"referer": "https://evil.example/x"}, ours)
    assert not csrf.same_origin({"origin": "null"}, ours)
    assert csrf.same_origin({}, ours)  # nothing said: the token still decides
