"""The ``iamd`` command: ``serve``, ``account create``, ``simulate`` and the admin tasks."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from iamd.cli.audit import audit
from iamd.cli.policy import policy
from iamd.cli.settings import Settings, open_store
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
    "--audit-trail/--no-audit-trail",
    envvar="IAMD_AUDIT_TRAIL",
    default=True,
    show_default=True,
    help="Record every request in the audit trail (CloudTrail's format).",
)
@click.option(
    "--audit-retention-days",
    envvar="IAMD_AUDIT_RETENTION_DAYS",
    default=90,
    show_default=True,
    type=click.IntRange(min=1),
    help="Keep audit events this many days.",
)
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
    audit_trail: bool,
    audit_retention_days: int,
    log_level: str,
) -> None:
    """Serve IAM, STS and CloudTrail's LookupEvents on one endpoint."""
    from iamd.cli.serve import run_server

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
    run_server(
        settings,
        host=host,
        port=port,
        workers=workers,
        bootstrap=bootstrap if all(bootstrap) else None,
        log_level=log_level,
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


main.add_command(simulate)
main.add_command(audit)
main.add_command(policy)


if __name__ == "__main__":  # pragma: no cover
    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
