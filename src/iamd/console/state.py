"""A multi-step form's state, carried between its steps in one sealed hidden field.

In: a JSON-able dict and the session id. Out: opaque text (AES-GCM under the master
key, bound to the session), so the steps need no server-side storage, a password
typed on the first step is never written into a later page, and a state is worth
nothing outside the session that made it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidTag

from iamd.store.sealing import Sealer

FIELD = "state"


def _bound_to(session_id: str) -> str:
    return f"console form state:{session_id}"


def seal_state(sealer: Sealer, session_id: str, state: dict[str, Any]) -> str:
    sealed = sealer.seal(json.dumps(state).encode(), _bound_to(session_id))
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def open_state(sealer: Sealer, session_id: str, text: str) -> dict[str, Any] | None:
    """The state sealed into ``text`` for this session; None for anything else."""
    try:
        sealed = base64.urlsafe_b64decode(text.encode("ascii"))
        state = json.loads(sealer.open(sealed, _bound_to(session_id)))
    except (ValueError, binascii.Error, InvalidTag, UnicodeEncodeError):
        return None
    return state if isinstance(state, dict) else None
