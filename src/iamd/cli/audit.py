"""``iamd audit``: the trail from the command line — events as JSON lines, and export.

    iamd audit events [--account ID] [--event-name N] [--username U] [--access-key-id K]
                      [--resource-name R] [--event-source S] [--read-only true|false]
                      [--since 7d|2026-12-01T00:00:00Z] [--until …] [--follow]
    iamd audit export --to DIR [--account ID] [--since …] [--until …]

Both read the store directly (``--data-dir`` or ``--database-url``, as ``iamd serve``
does), so they are for whoever administers the server, not for API callers (who
have LookupEvents). ``events`` prints one CloudTrail record per line, oldest first;
with ``--follow`` it keeps printing events as they are stored, until interrupted.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from iamd.audit.export import export
from iamd.cli.settings import Settings, open_store
from iamd.store.audit_events import EventScan, scan_events
from iamd.store.database import Database

FOLLOW_INTERVAL = 1.0  # seconds between looks for new events
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

# Options → LookupEvents' attribute keys.
_FILTERS = {
    "event_name": "EventName",
    "username": "Username",
    "access_key_id": "AccessKeyId",
    "resource_name": "ResourceName",
    "resource_type": "ResourceType",
    "event_source": "EventSource",
    "read_only": "ReadOnly",
    "event_id": "EventId",
}


def moment(text: str | None, *, now: datetime) -> datetime | None:
    """``30d``/``12h``/``15m``/``10s`` ago, or an ISO 8601 time (UTC when none is given)."""
    if not text:
        return None
    match = _DURATION.match(text.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is neither a duration (30d) nor a time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--database-url", envvar="IAMD_DATABASE_URL", help="PostgreSQL URL instead of SQLite."
    )(command)
    return click.option(
        "--data-dir",
        default="./iamd-data",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Where iamd serve keeps its store.",
    )(command)


@click.group()
def audit() -> None:
    """Read the audit trail: events as JSON lines, CloudTrail log files."""


@audit.command("events")
@store_options
@click.option("--account", "account_id", help="Only this account's events.")
@click.option("--event-name")
@click.option("--username")
@click.option("--access-key-id")
@click.option("--resource-name")
@click.option("--resource-type")
@click.option("--event-source")
@click.option("--event-id")
@click.option("--read-only", type=click.Choice(["true", "false"]))
@click.option("--since", help="A duration ago (30d, 12h) or a time; default: everything kept.")
@click.option("--until", help="A duration ago or a time.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many events.")
@click.option("--follow", is_flag=True, help="Keep printing new events as they are stored.")
def events(
    data_dir: Path,
    database_url: str | None,
    account_id: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    follow: bool,
    **filters: str | None,
) -> None:
    """Print events, oldest first, one CloudTrail record (JSON) per line."""
    db, _ = open_store(Settings(data_dir=data_dir, database_url=database_url))
    now = datetime.now(UTC)
    attributes = tuple((_FILTERS[name], value) for name, value in filters.items() if value)
    scan = EventScan(
        account_id=account_id,
        since=moment(since, now=now),
        until=moment(until, now=now),
        attributes=attributes,
    )
    try:
        _print_events(db, scan, limit=limit, follow=follow)
    except KeyboardInterrupt:
        pass
    finally:
        db.dispose()


def _print_events(db: Database, scan: EventScan, *, limit: int | None, follow: bool) -> None:
    printed = 0
    after = 0
    while True:
        with db.transaction(write=False) as conn:
            batch = scan_events(conn, replace(scan, after_seq=after))
        for stored in batch:
            if limit is not None and printed >= limit:
                return
            sys.stdout.write(stored.row.record + "\n")
            printed += 1
            after = stored.seq
        sys.stdout.flush()
        if len(batch) == scan.limit:
            continue
        if not follow:
            return
        time.sleep(FOLLOW_INTERVAL)


@audit.command("export")
@store_options
@click.option(
    "--to",
    "directory",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Write AWSLogs/<account>/CloudTrail/… under this directory.",
)
@click.option("--account", "account_id", help="Only this account's events.")
@click.option("--since", help="A duration ago (30d, 12h) or a time; default: everything kept.")
@click.option("--until", help="A duration ago or a time.")
def export_command(
    data_dir: Path,
    database_url: str | None,
    directory: Path,
    account_id: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Write the trail as CloudTrail log files (gzipped {"Records": [...]})."""
    db, _ = open_store(Settings(data_dir=data_dir, database_url=database_url))
    now = datetime.now(UTC)
    scan = EventScan(
        account_id=account_id, since=moment(since, now=now), until=moment(until, now=now)
    )
    try:
        written = export(db, directory, scan)
    finally:
        db.dispose()
    click.echo(json.dumps({"files": [str(path) for path in written]}))
