"""``iamd account set-root-login`` and ``reset-root-password``: print a one-time link.

iamd sends no mail: these print, on the operator's terminal, the link AWS would have
emailed the root user. The first start of ``iamd serve`` prints a set-login link too.
"""

from __future__ import annotations

import click

from iamd import root_login
from iamd.clock import Clock
from iamd.store import accounts
from iamd.store.database import Database

_INTROS = {
    root_login.SET_LOGIN: "set the root user's console email and password",
    root_login.RESET_PASSWORD: "choose a new root user password",
}


def print_link(
    db: Database,
    clock: Clock,
    *,
    account_id: str | None,
    email: str | None,
    purpose: str,
    console_url: str,
) -> None:
    """Issue a link for the account named by id or root email, and print it."""
    with db.transaction() as conn:
        if account_id:
            account = accounts.get_account(conn, account_id)
        else:
            account = accounts.find_by_email(conn, email or "")
        if account is None:
            raise click.ClickException(f"No account {account_id or email}.")
        token = root_login.issue_link(conn, account.account_id, purpose, clock.now())
    click.echo(
        link_text(account.account_id, purpose, root_login.link_url(console_url, purpose, token))
    )


def link_text(account_id: str, purpose: str, url: str) -> str:
    lifetime = root_login.lifetime_text(purpose)
    return "\n".join(
        [
            f"One-time link to {_INTROS[purpose]} of account {account_id}:",
            f"  {url}",
            f"It works once, for {lifetime}; iamd keeps only a hash of it and sends no email.",
        ]
    )
