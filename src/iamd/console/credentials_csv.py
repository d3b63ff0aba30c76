"""The ``.csv`` of a new user's credentials, in the AWS console's columns.

It is built into the page that shows the secrets (a ``data:`` link), so downloading
it asks the server for nothing and the secret exists in one response only.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from iamd.console.new_user import Created

HEADER = ("User name", "Password", "Access key ID", "Secret access key", "Console login link")


def credentials_csv(created: Created, signin_url: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerow(
        (
            created.user_name,
            created.password or "",
            created.access_key_id or "",
            created.secret_access_key or "",
            signin_url if created.password else "",
        )
    )
    return buffer.getvalue()


def data_url(created: Created, signin_url: str) -> str:
    return "data:text/csv;charset=utf-8," + quote(credentials_csv(created, signin_url))


KEY_HEADER = ("Access key ID", "Secret access key")


def key_data_url(access_key_id: str, secret_access_key: str) -> str:
    """The ``.csv`` of one new access key, as AWS's console downloads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([KEY_HEADER, (access_key_id, secret_access_key)])
    return "data:text/csv;charset=utf-8," + quote(buffer.getvalue())
