"""The trail as CloudTrail log files, for the tools that read them (Athena, Trino, SIEMs).

In: the store, a directory, optionally an account and a time range. Out: gzipped
JSON files ``{"Records": [...]}`` in CloudTrail's key layout::

    AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
        <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz

one file per account, region and hour of events (CloudTrail delivers about every
five minutes; an hour keeps the count of files small). The unique part is derived
from the events the file holds, so exporting the same events again rewrites the same
files rather than adding copies. Events that name no account (a signature made with
a key nobody has) belong to no ``AWSLogs/<account>`` and are not exported.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from iamd.store.audit_events import EventScan, StoredEvent, scan_events
from iamd.store.database import Database

BATCH = 1000


@dataclass(frozen=True)
class LogFile:
    account_id: str
    region: str
    hour: datetime
    records: list[dict[str, Any]]

    def key(self) -> str:
        """The file's path under the export directory, as CloudTrail names it."""
        stamp = self.hour.strftime("%Y%m%dT%H%MZ")
        ids = "".join(str(r.get("eventID", "")) for r in self.records)
        unique = hashlib.sha256(ids.encode()).hexdigest()[:16].upper()
        name = f"{self.account_id}_CloudTrail_{self.region}_{stamp}_{unique}.json.gz"
        folder = f"AWSLogs/{self.account_id}/CloudTrail/{self.region}/{self.hour:%Y/%m/%d}"
        return f"{folder}/{name}"


def export(db: Database, directory: Path, scan: EventScan) -> list[Path]:
    """Write the events ``scan`` selects as CloudTrail log files; the paths written."""
    files: dict[tuple[str, str, datetime], LogFile] = {}
    for stored in _all(db, scan):
        row = stored.row
        if row.account_id is None:
            continue
        record = json.loads(row.record)
        region = row.aws_region
        hour = row.event_time.replace(minute=0, second=0, microsecond=0)
        key = (row.account_id, region, hour)
        if key not in files:
            files[key] = LogFile(row.account_id, region, hour, [])
        files[key].records.append(record)
    return [_write(directory, log_file) for log_file in files.values()]


def _all(db: Database, scan: EventScan) -> Iterator[StoredEvent]:
    after = scan.after_seq
    while True:
        with db.transaction(write=False) as conn:
            batch = scan_events(conn, replace(scan, after_seq=after, limit=BATCH))
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].seq


def _write(directory: Path, log_file: LogFile) -> Path:
    path = directory / log_file.key()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"Records": log_file.records}, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(body, mtime=0))
    return path
