"""Access advisor reports: one per GenerateServiceLastAccessedDetails job, as JSON.

In: the job's id, account, entity ARN, who requested it, granularity, times and the
report (whatever `iamd.audit.advisor` computed, JSON-serialisable). Out: the job again
by id, within its account and for its requester only. Reports older than ``KEEP``
are deleted when a new one is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from iamd.clock import as_utc
from iamd.store.schema import access_advisor_reports as reports

KEEP = timedelta(days=30)


@dataclass(frozen=True)
class Report:
    job_id: str
    account_id: str
    entity_arn: str
    requester: str
    granularity: str
    created_at: datetime
    completed_at: datetime
    content: Any


def insert_report(conn: Connection, report: Report) -> None:
    conn.execute(delete(reports).where(reports.c.created_at < report.created_at - KEEP))
    conn.execute(
        insert(reports).values(
            job_id=report.job_id,
            account_id=report.account_id,
            entity_arn=report.entity_arn,
            requester=report.requester,
            granularity=report.granularity,
            created_at=report.created_at,
            completed_at=report.completed_at,
            report=json.dumps(report.content, separators=(",", ":")),
        )
    )


def find_report(conn: Connection, account_id: str, job_id: str, *, requester: str) -> Report | None:
    """The job, if it exists in the account and ``requester`` generated it."""
    query = select(reports).where(
        reports.c.job_id == job_id,
        reports.c.account_id == account_id,
        reports.c.requester == requester,
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return Report(
        row.job_id,
        row.account_id,
        row.entity_arn,
        row.requester,
        row.granularity,
        as_utc(row.created_at),
        as_utc(row.completed_at),
        json.loads(row.report),
    )
