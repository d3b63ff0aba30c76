"""The new user's .csv: AWS console's columns, one row, built into a data: link."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

from iamd.console.credentials_csv import (
    HEADER,
    KEY_HEADER,
    credentials_csv,
    data_url,
    key_data_url,
)
from iamd.console.new_user import Created


def test_the_csv_has_the_console_columns() -> None:
    created = Created("admin", "P@ss,word1", "AKIAEXAMPLE", "secret/key")
    rows = list(csv.reader(io.StringIO(credentials_csv(created, "http://x/console/1/signin"))))
    assert tuple(rows[0]) == HEADER
    assert rows[1] == [
        "admin",
        "P@ss,word1",
        "AKIAEXAMPLE",
        "secret/key",
        "http://x/console/1/signin",
    ]


def test_keys_only_leave_the_password_and_link_empty() -> None:
    created = Created("ci", None, "AKIAEXAMPLE", "secret")
    url = data_url(created, "http://x/signin")
    assert url.startswith("data:text/csv;charset=utf-8,")
    assert unquote(url.split(",", 1)[1]).splitlines()[1] == "ci,,AKIAEXAMPLE,secret,"


def test_a_new_access_key_downloads_as_aws_s_two_columns() -> None:
    url = key_data_url("AKIAEXAMPLE", "secret/key+1")
    rows = list(csv.reader(io.StringIO(unquote(url.split(",", 1)[1]))))
    assert rows == [list(KEY_HEADER), ["AKIAEXAMPLE", "secret/key+1"]]
