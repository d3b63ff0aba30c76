"""A wizard's sealed state: readable only in the session that sealed it."""

from __future__ import annotations

from iamd.console.state import open_state, seal_state
from iamd.store.sealing import Sealer

SEALER = Sealer(b"s" * 32)


def test_state_round_trips_in_its_session_only() -> None:
    sealed = seal_state(SEALER, "session-1", {"custom_password": "Secret-1!"})
    assert "Secret" not in sealed
    assert open_state(SEALER, "session-1", sealed) == {"custom_password": "Secret-1!"}
    assert open_state(SEALER, "session-2", sealed) is None


def test_garbage_is_no_state() -> None:
    for text in ("", "not base64!", "AAAA", "é"):
        assert open_state(SEALER, "session-1", text) is None
