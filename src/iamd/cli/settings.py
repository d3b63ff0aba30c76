"""Where the store lives, and opening it (migrated, with its master key)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from iamd.audit.trail import TrailSettings
from iamd.store.database import Database, sqlite_url
from iamd.store.sealing import Sealer, load_master_key

DATABASE_FILE = "iamd.sqlite3"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    audit_trail: bool = True  # record every request in the audit trail
    audit_retention_days: int = 90  # then pruned, like CloudTrail's event history

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return sqlite_url(str(self.data_dir.resolve() / DATABASE_FILE))


def open_store(settings: Settings) -> tuple[Database, Sealer]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.url)
    db.migrate()
    return db, Sealer(load_master_key(settings.data_dir))


def trail_settings(settings: Settings) -> TrailSettings:
    return TrailSettings(
        enabled=settings.audit_trail, retention=timedelta(days=settings.audit_retention_days)
    )


Command = TypeVar("Command", bound=Callable[..., Any])


def audit_trail_options(what: str) -> Callable[[Command], Command]:
    """``--audit-trail/--no-audit-trail`` and ``--audit-retention-days``, as the
    commands that record ``what`` (``iamd serve``, ``iamd gateway``) take them."""

    def decorate(command: Command) -> Command:
        command = click.option(
            "--audit-retention-days",
            envvar="IAMD_AUDIT_RETENTION_DAYS",
            default=90,
            show_default=True,
            type=click.IntRange(min=1),
            help="Keep audit events this many days.",
        )(command)
        return click.option(
            "--audit-trail/--no-audit-trail",
            envvar="IAMD_AUDIT_TRAIL",
            default=True,
            show_default=True,
            help=f"Record {what} on the audit trail (CloudTrail's format).",
        )(command)

    return decorate


def proxy_option(command: Command) -> Command:
    """``--forwarded-allow-ips``: whose ``X-Forwarded-For`` names the real client.

    The client's address decides ``aws:SourceIp``, the audit trail's
    ``sourceIPAddress`` and the console's per-address sign-in throttle. Behind a
    reverse proxy on another host every request would seem to come from the proxy (one
    guesser could lock a user out for everyone); naming the proxy here makes its
    header believed. Nobody else's is.
    """
    return click.option(
        "--forwarded-allow-ips",
        envvar="IAMD_FORWARDED_ALLOW_IPS",
        default="127.0.0.1",
        show_default=True,
        help="Proxies whose X-Forwarded-For gives the client's address (comma-separated, or *).",
    )(command)
