"""Running ``iamd account …`` against a test server's store, and the links it prints."""

from __future__ import annotations

import re
import subprocess
import sys

from support import IamdServer

_LINK = re.compile(r"(http://\S+/console/(?:root-login|reset-password)/(\S+))")


def account_cli(server: IamdServer, *args: str) -> str:
    """The output of ``iamd account <args>`` on the server's store, links to its console."""
    command = [sys.executable, "-m", "iamd.cli.main", "account", *args]
    command += ["--data-dir", str(server.data_dir), "--console-url", server.endpoint + "/console"]
    if server.database_url:
        command += ["--database-url", server.database_url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


def link_path(output: str) -> str:
    """The console path of the one-time link in the output."""
    found = _LINK.search(output)
    assert found is not None, output
    return found.group(1).split("/console", 1)[1]
