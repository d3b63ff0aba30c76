"""The trail's driver-level inserts bind what the driver would have bound itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from iamd.store.audit_events import sqlite_time


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 4, 22, 13, 21, 654321, tzinfo=UTC),
        datetime(2026, 12, 4, 22, 13, 21, 5, tzinfo=UTC),
        datetime(2026, 12, 4, 22, 13, 21, tzinfo=UTC),  # no fraction: isoformat writes none
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 4, 22, 13, 21, 5, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 12, 4, 22, 13, 21, 5),
    ],
)
def test_a_time_is_bound_as_pysqlites_adapter_binds_it(moment: datetime) -> None:
    assert sqlite_time(moment) == moment.isoformat(" ")
    assert sqlite_time(moment) == moment.isoformat(" ")  # again, from the second's text
