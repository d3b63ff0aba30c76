"""The ``iamd`` command: ``serve``, ``account create``, ``simulate`` and the admin tasks."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import click

from iamd.cli.audit import audit
from iamd.cli.gateway import gateway
from iamd.cli.policy import policy
from iamd.cli.settings import Settings, audit_trail_options, open_store, proxy_option
from iamd.cli.simulate import simulate


@click.group()
def main() -> None:
    """iamd: the IAM and STS control plane of AWS, run by you."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=4599, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data-dir",
    default="./iamd-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="SQLite database and master key live here.",
)
@click.option(
    "--database-url", envvar="IAMD_DATABASE_URL", help="PostgreSQL URL instead of SQLite."
)
@click.option("--workers", default=1, show_default=True, type=int, help="Server processes.")
@click.option("--account-id", envvar="IAMD_ACCOUNT_ID", help="Bootstrap this account.")
@click.option("--root-access-key-id", envvar="IAMD_ROOT_ACCESS_KEY_ID", help="Its root key id.")
@click.option(
    "--root-secret-access-key", envvar="IAMD_ROOT_SECRET_ACCESS_KEY", help="Its root secret."
)
@click.option(
    "--signup",
    type=click.Choice(["closed", "open"]),
    default="closed",
    show_default=True,
    help="Whether anyone may create an account at /console/signup.",
)
@click.option(
    "--signups-per-hour",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Sign-ups allowed per client address and hour, when open.",
)
@audit_trail_options("every request")
@proxy_option
@click.option("--log-level", default="info", show_default=True)
def serve(
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    workers: int,
    account_id: str | None,
    root_access_key_id: str | None,
    root_secret_access_key: str | None,
    signup: str,
    signups_per_hour: int,
    audit_trail: bool,
    audit_retention_days: int,
    forwarded_allow_ips: str,
    log_level: str,
) -> None:
    """Serve IAM, STS and CloudTrail's LookupEvents on one endpoint."""
    from iamd.cli.serve import run_server
    from iamd.console.console import ConsoleSettings

    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        audit_trail=audit_trail,
        audit_retention_days=audit_retention_days,
    )
    bootstrap = (account_id, root_access_key_id, root_secret_access_key)
    if any(bootstrap) and not all(bootstrap):
        raise click.UsageError(
            "--account-id, --root-access-key-id and --root-secret-access-key go together."
        )
    check_bootstrap(account_id, root_access_key_id)
    run_server(
        settings,
        host=host,
        port=port,
        workers=workers,
        bootstrap=bootstrap if all(bootstrap) else None,
        console=ConsoleSettings(is_signup_open=signup == "open", signups_per_hour=signups_per_hour),
        log_level=log_level,
        forwarded_allow_ips=forwarded_allow_ips,
    )


# What the store can hold: a 12-digit account id, AWS's accessKeyIdType ([\w]+, 128).
_ACCOUNT_ID = re.compile(r"[0-9]{12}", re.ASCII)
_ACCESS_KEY_ID = re.compile(r"\w{1,128}", re.ASCII)


def check_bootstrap(account_id: str | None, access_key_id: str | None) -> None:
    """Refuse, before anything is stored, a bootstrap credential AWS could not have made."""
    if account_id is not None and not _ACCOUNT_ID.fullmatch(account_id):
        raise click.BadParameter("must be 12 digits.", param_hint="--account-id")
    if access_key_id is not None and not _ACCESS_KEY_ID.fullmatch(access_key_id):
        raise click.BadParameter(
            "must be 1 to 128 letters, digits or underscores.", param_hint="--root-access-key-id"
        )


@main.group()
def account() -> None:
    """Manage accounts."""


@account.command("create")
@click.option("--email", required=True, help="The root user's email address.")
@click.option("--name", help="The account's name.")
@click.option("--data-dir", default="./iamd-data", type=click.Path(path_type=Path))
@click.option("--database-url", envvar="IAMD_DATABASE_URL")
def account_create(email: str, name: str | None, data_dir: Path, database_url: str | None) -> None:
    """Create an account and print its root access key, once."""
    from iamd.accounts import create_account
    from iamd.clock import SystemClock
    from iamd.errors import ServiceError

    db, sealer = open_store(Settings(data_dir=data_dir, database_url=database_url))
    try:
        credential = create_account(db, sealer, SystemClock(), email=email, name=name)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.dispose()
    click.echo(f"Account id:            {credential.account_id}")
    click.echo(f"Root access key id:    {credential.access_key_id}")
    click.echo(f"Root secret access key: {credential.secret_access_key}")
    click.echo("The secret is shown once; iamd keeps it only encrypted.")
    click.echo(
        "The root user has no console password yet; a link to set one: "
        f"iamd account set-root-login --account-id {credential.account_id}"
    )


_CONSOLE_URL = click.option(
    "--console-url",
    default="http://127.0.0.1:4599/console",
    show_default=True,
    help="Where the server's console is, for the printed link.",
)


@account.command("set-root-login")
@click.option("--account-id", required=True, help="The account whose root user signs in.")
@_CONSOLE_URL
@click.option("--data-dir", default="./iamd-data", type=click.Path(path_type=Path))
@click.option("--database-url", envvar="IAMD_DATABASE_URL")
def account_set_root_login(
    account_id: str, console_url: str, data_dir: Path, database_url: str | None
) -> None:
    """Print a one-time link to set the root user's console email and password."""
    _print_root_link(data_dir, database_url, account_id, None, "set-login", console_url)


@account.command("reset-root-password")
@click.option("--email", help="The root user's email address.")
@click.option("--account-id", help="Or the account's id.")
@_CONSOLE_URL
@click.option("--data-dir", default="./iamd-data", type=click.Path(path_type=Path))
@click.option("--database-url", envvar="IAMD_DATABASE_URL")
def account_reset_root_password(
    email: str | None,
    account_id: str | None,
    console_url: str,
    data_dir: Path,
    database_url: str | None,
) -> None:
    """Print a one-time link to choose a new root user password (iamd sends no email)."""
    if bool(email) == bool(account_id):
        raise click.UsageError("Give either --email or --account-id.")
    _print_root_link(data_dir, database_url, account_id, email, "reset-password", console_url)


def _print_root_link(
    data_dir: Path,
    database_url: str | None,
    account_id: str | None,
    email: str | None,
    purpose: str,
    console_url: str,
) -> None:
    from iamd.cli.root_login import print_link
    from iamd.clock import SystemClock

    db, _ = open_store(Settings(data_dir=data_dir, database_url=database_url))
    try:
        print_link(
            db,
            SystemClock(),
            account_id=account_id,
            email=email,
            purpose=purpose,
            console_url=console_url,
        )
    finally:
        db.dispose()


main.add_command(simulate)
main.add_command(gateway)
main.add_command(audit)
main.add_command(policy)


if __name__ == "__main__":  # pragma: no cover
    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
