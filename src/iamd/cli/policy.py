"""``iamd policy``: least privilege from the audit trail.

    iamd policy generate --principal ARN [--since 30d]
    iamd policy unused --account ID --days N

``generate`` prints the smallest policy that allows what the user or role was
allowed and used since then (`iamd.audit.generate`); ``unused`` prints, one JSON
object per line, the users, roles, access keys, passwords, services and actions not
used for N days (`iamd.audit.unused`). Both read the store directly, as ``iamd audit``
does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from iamd.audit.generate import generate_policy, principal_of
from iamd.audit.unused import unused
from iamd.cli.audit import moment, store_options
from iamd.cli.settings import Settings, open_store
from iamd.errors import ServiceError


@click.group()
def policy() -> None:
    """Least-privilege policies from what was really used."""


@policy.command()
@store_options
@click.option("--principal", "principal_arn", required=True, help="The user's or role's ARN.")
@click.option("--since", default="30d", show_default=True, help="A duration ago, or a time.")
def generate(data_dir: Path, database_url: str | None, principal_arn: str, since: str) -> None:
    """Print the smallest policy that allows what the principal used."""
    db, _ = open_store(Settings(data_dir=data_dir, database_url=database_url))
    start = moment(since, now=datetime.now(UTC))
    assert start is not None
    try:
        with db.transaction(write=False) as conn:
            document = generate_policy(conn, principal_of(conn, principal_arn), since=start)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.dispose()
    click.echo(json.dumps(document, indent=2))


@policy.command("unused")
@store_options
@click.option("--account", "account_id", required=True, help="The account to look at.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=1))
def unused_command(data_dir: Path, database_url: str | None, account_id: str, days: int) -> None:
    """Print what has not been used for DAYS days, one JSON object per line."""
    db, _ = open_store(Settings(data_dir=data_dir, database_url=database_url))
    try:
        with db.transaction(write=False) as conn:
            findings = unused(conn, account_id, days=days, now=datetime.now(UTC))
    finally:
        db.dispose()
    for finding in findings:
        click.echo(json.dumps(finding))
