"""Switch role's session name: the user's name, as RoleSessionName's pattern allows."""

from __future__ import annotations

from iamd.console.switch_role import session_name


def test_session_names_follow_the_pattern() -> None:
    assert session_name("alice") == "alice"
    assert session_name("a b/c") == "a-b-c"
    assert len(session_name("x" * 100)) == 64
    assert session_name("") == "console"
