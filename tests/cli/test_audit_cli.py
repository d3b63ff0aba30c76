"""``iamd audit``: events as JSON lines (filtered, followed) and CloudTrail log files."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from audit.conftest import drained
from support import IamdServer, RootCredential

LOG_KEY = re.compile(
    r"AWSLogs/(\d{12})/CloudTrail/us-east-1/\d{4}/\d{2}/\d{2}/"
    r"\1_CloudTrail_us-east-1_\d{8}T\d{4}Z_[0-9A-F]{16}\.json\.gz$"
)


def _iamd(server: IamdServer, *args: str) -> list[str]:
    drained(server)
    command = [sys.executable, "-m", "iamd.cli.main", "audit", *args, *_store(server)]
    answer = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
    return answer.stdout.splitlines()


def _store(server: IamdServer) -> list[str]:
    if server.database_url:
        return ["--database-url", server.database_url]
    return ["--data-dir", str(server.data_dir)]


def test_events_print_as_json_lines_with_filters(
    server: IamdServer, iam: Any, account: RootCredential
) -> None:
    iam.create_user(UserName="line-one")
    iam.create_user(UserName="line-two")
    lines = _iamd(server, "events", "--account", account.account_id, "--event-name", "CreateUser")
    records = [json.loads(line) for line in lines]
    assert [r["requestParameters"]["userName"] for r in records] == ["line-one", "line-two"]
    named = _iamd(server, "events", "--account", account.account_id, "--resource-name", "line-two")
    assert [json.loads(line)["eventName"] for line in named] == ["CreateUser"]
    assert _iamd(server, "events", "--account", account.account_id, "--since", "2h", "--limit", "1")


def test_follow_prints_events_as_they_are_stored(
    server: IamdServer, iam: Any, account: RootCredential
) -> None:
    command = [sys.executable, "-m", "iamd.cli.main", "audit", "events", "--follow"]
    command += ["--account", account.account_id, "--event-name", "CreateGroup", *_store(server)]
    follower = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)  # following from the start: nothing yet
        iam.create_group(GroupName="late")
        assert follower.stdout is not None
        line = follower.stdout.readline()
        assert json.loads(line)["requestParameters"] == {"groupName": "late"}
    finally:
        follower.terminate()
        follower.wait(timeout=15)


def test_export_writes_cloudtrail_log_files(
    server: IamdServer, iam: Any, account: RootCredential, tmp_path: Path
) -> None:
    iam.create_user(UserName="exported")
    (summary,) = _iamd(server, "export", "--to", str(tmp_path), "--account", account.account_id)
    files = [Path(path) for path in json.loads(summary)["files"]]
    assert files and all(LOG_KEY.search(str(p.relative_to(tmp_path))) for p in files)
    records = [
        r for path in files for r in json.loads(gzip.decompress(path.read_bytes()))["Records"]
    ]
    assert {r["recipientAccountId"] for r in records} == {account.account_id}
    assert "CreateUser" in {r["eventName"] for r in records}
    again = _iamd(server, "export", "--to", str(tmp_path), "--account", account.account_id)
    assert sorted(json.loads(again[0])["files"]) == sorted(str(p) for p in files)
