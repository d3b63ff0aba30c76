"""An IAM user changes its own password: at a required change, or from its menu.

ChangePassword runs as the user itself, through the API's operation (its password
policy checks, its authorization: the user needs ``iam:ChangePassword`` on itself, or
the account policy's AllowUsersToChangePassword). The session then carries the new
password's fingerprint, so the sessions made with the old one end and this one stays.
"""

from __future__ import annotations

from iamd.console import principals, sessions, signin
from iamd.console.page import Page
from iamd.errors import ServiceError
from iamd.store import console_sessions, login_profiles


def change_own_password(page: Page) -> str | None:
    """Change the signed-in user's password from the form; the problem, or None."""
    session = page.session
    assert session is not None and not session.is_root
    new_password = page.form.get("new_password")
    if new_password != page.form.get("confirm"):
        return "The new passwords do not match."
    found = principals.member(page.conn, session.account_id, session.name)
    if found is None or found.user.user_id != session.principal_id:
        return signin.INCORRECT
    params = {"OldPassword": page.form.get("old_password"), "NewPassword": new_password}
    try:
        page.actor_for(principals.user_caller(found.user))("ChangePassword", params)
    except ServiceError as error:
        return error.message
    profile = login_profiles.find_profile(page.conn, session.principal_id)
    assert profile is not None
    fingerprint = sessions.fingerprint(page.console.session_key, profile.password_hash)
    moved = sessions.advance(
        session, sessions.DONE, page.now, fingerprint=fingerprint, needs_new_password=False
    )
    page.sign_in(signin.complete(page.conn, moved, page.now))
    console_sessions.close_others(page.conn, session.principal_id, keep=session.handle)
    return None
