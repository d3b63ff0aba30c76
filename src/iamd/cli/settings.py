"""Where the store lives, and opening it (migrated, with its master key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

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
