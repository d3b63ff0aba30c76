"""The buckets the S3 gateway fronts: their owning accounts and bucket policies.

A bucket is recorded when it is created through a gateway, so every later request
knows which account owns it (a cross-account caller then needs the bucket policy as
well as its own), and forgotten when it is deleted. Bucket names are global, as in S3.

# INVARIANT: a bucket has at most one owner: the name is the primary key, so of two
# accounts creating the same name at once the database lets exactly one claim it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.store.prepared import Prepared
from iamd.store.schema import s3_buckets


@dataclass(frozen=True)
class Bucket:
    name: str
    account_id: str
    policy: str | None


# Built once, read through the driver: every request through the gateway reads its
# bucket's row.
_FIND = Prepared(
    select(s3_buckets.c.account_id, s3_buckets.c.policy).where(
        s3_buckets.c.name == bindparam("name")
    )
)


def find_bucket(conn: Connection, name: str) -> Bucket | None:
    row = _FIND.first(conn, {"name": name})
    return None if row is None else Bucket(name, row.account_id, row.policy)


def claim_bucket(conn: Connection, name: str, account_id: str, now: datetime) -> bool:
    """Record the account as the bucket's owner; False when another holds the name."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(s3_buckets).values(name=name, account_id=account_id, created_at=now)
            )
    except IntegrityError:
        return False
    return True


def forget_bucket(conn: Connection, name: str) -> None:
    conn.execute(delete(s3_buckets).where(s3_buckets.c.name == name))


def set_policy(conn: Connection, name: str, policy: str | None) -> None:
    """Store the bucket's policy document (None: delete it)."""
    conn.execute(update(s3_buckets).where(s3_buckets.c.name == name).values(policy=policy))


def buckets_of(conn: Connection, account_id: str) -> set[str]:
    query = select(s3_buckets.c.name).where(s3_buckets.c.account_id == account_id)
    return set(conn.execute(query).scalars())
