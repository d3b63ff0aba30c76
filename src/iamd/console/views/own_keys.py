"""The signed-in principal's own access keys, on "My security credentials".

The calls name no user, so they act on the caller itself: the root user's own keys,
or an IAM user's. Creating a root access key first shows AWS's recommendation against
it and asks the person to say they understand, as AWS's console does.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import credentials_csv
from iamd.console.confirm import Confirmation, ask, is_confirmed
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import ServiceError

BACK = "/iam/my-credentials"


def new_key(page: Page) -> Response:
    assert page.caller is not None
    is_root = page.caller.is_root
    if not page.is_post:
        return page.render("own_key_new.html", section="my-credentials", problem=None)
    if is_root and not page.form.has("understood"):
        problem = "To create a root access key, confirm that you understand the risk."
        return page.render(
            "own_key_new.html", status=400, section="my-credentials", problem=problem
        )
    key = page.actor("CreateAccessKey")["AccessKey"]
    file_name = "rootkey.csv" if is_root else f"{key['UserName']}_accessKeys.csv"
    return page.render(
        "access_key_created.html",
        section="my-credentials",
        owner="the root user" if is_root else key["UserName"],
        key=key,
        csv_href=credentials_csv.key_data_url(key["AccessKeyId"], key["SecretAccessKey"]),
        csv_name=file_name,
        back=BACK,
    )


def set_status(page: Page) -> Response:
    key_id = page.param("key")
    status = "Active" if page.form.get("status") == "Active" else "Inactive"
    page.actor("UpdateAccessKey", {"AccessKeyId": key_id, "Status": status})
    return page.redirect(BACK, notice="key-" + status.lower(), name=key_id)


def delete_key(page: Page) -> Response:
    key_id = page.param("key")
    confirmation = Confirmation(
        heading=f"Delete access key {key_id}?",
        word=key_id,
        noun="access key ID",
        action=f"/iam/my-access-keys/{key_id}/delete",
        button="Delete",
        back=BACK,
        effects=["make every request signed with this key fail from now on"],
        warning="Deactivate a key first and check that nothing still uses it.",
    )
    if not is_confirmed(page, confirmation):
        return ask(page, confirmation, section="my-credentials")
    try:
        page.actor("DeleteAccessKey", {"AccessKeyId": key_id})
    except ServiceError as error:
        return ask(page, confirmation, section="my-credentials", error=error)
    return page.redirect(BACK, notice="key-deleted", name=key_id)


def routes(console: Console) -> list[BaseRoute]:
    base = "/iam/my-access-keys"
    both = ["GET", "POST"]
    return [
        Route(base + "/new", endpoint(console, new_key), methods=both),
        Route(base + "/{key}/status", endpoint(console, set_status), methods=["POST"]),
        Route(base + "/{key}/delete", endpoint(console, delete_key), methods=both),
    ]
