"""Access advisor report jobs: which entity a GenerateServiceLastAccessedDetails asked about.

A job completes at once (iamd computes the report when it is read), so a job is just
its id, account, entity ARN, granularity and creation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from iamd.clock import as_utc
from iamd.store.schema import access_advisor_jobs


@dataclass(frozen=True)
class AccessAdvisorJob:
    job_id: str
    account_id: str
    entity_arn: str
    granularity: str
    created_at: datetime


def insert_job(conn: Connection, job: AccessAdvisorJob) -> None:
    row = {
        "job_id": job.job_id,
        "account_id": job.account_id,
        "entity_arn": job.entity_arn,
        "granularity": job.granularity,
        "created_at": job.created_at,
    }
    conn.execute(insert(access_advisor_jobs).values(row))


def find_job(conn: Connection, account_id: str, job_id: str) -> AccessAdvisorJob | None:
    table = access_advisor_jobs.c
    query = select(access_advisor_jobs).where(
        table.job_id == job_id, table.account_id == account_id
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return AccessAdvisorJob(
        row.job_id, row.account_id, row.entity_arn, row.granularity, as_utc(row.created_at)
    )
