"""The root user changes its own password, from "My security credentials".

AWS offers no API for it (ChangePassword is an IAM user's), so, as for the root
user's MFA device, the console does it with AWS's rules: the current password first
(a wrong one counts as a failed sign-in), then a new one that meets the root user's
password rules. The session then carries the new password's fingerprint, so every
other session of the root user ends and this one stays.
"""

from __future__ import annotations

from iamd.auth import passwords
from iamd.console import sessions, signin, throttle
from iamd.console.page import Page
from iamd.console.signup import root_password_problems
from iamd.store import accounts, console_sessions

WRONG_CURRENT = "The current password is incorrect."
_FIELDS = {"password": "new_password"}  # the rules' field names, as this form names them


def change_root_password(page: Page) -> dict[str, str]:
    """Change the signed-in root user's password from the form; the problems, by field."""
    session = page.session
    assert session is not None and session.is_root
    account = accounts.get_account(page.conn, session.account_id)
    assert account is not None
    key = throttle.key_for("root", account.email, page.incoming.meta.source_ip)
    wait = page.console.throttle.retry_after(page.conn, key, page.now)
    if wait is not None:
        return {"old_password": signin.throttled(wait)}
    current = page.form.get("old_password")
    if not passwords.verify_or_waste_time(account.root_password_hash, current):
        page.console.throttle.failed(page.conn, key, page.now)
        return {"old_password": WRONG_CURRENT}
    new_password = page.form.get("new_password")
    problems = root_password_problems(
        new_password, page.form.get("confirm"), account_name=account.name, email=account.email
    )
    if problems:
        return {_FIELDS.get(name, name): text for name, text in problems.items()}
    password_hash = passwords.hash_password(new_password)
    accounts.set_root_password(page.conn, account.account_id, password_hash)
    fingerprint = sessions.fingerprint(page.console.session_key, password_hash)
    page.sign_in(sessions.advance(session, sessions.DONE, page.now, fingerprint=fingerprint))
    console_sessions.close_others(page.conn, session.principal_id, keep=session.handle)
    return {}
