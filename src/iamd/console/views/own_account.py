"""The signed-in principal's own credentials ("My security credentials"): the console
password (the root user's too), MFA devices and access keys (in `own_keys`).

Assigning a virtual MFA device is two posts: "create" makes the device and shows its
QR code and seed (this once), "enable" proves possession with two consecutive codes.
The same pages serve the root user (for itself) and an administrator assigning a
device to a named user.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import root_mfa
from iamd.console.actions import attempt
from iamd.console.confirm import Confirmation, ask, is_confirmed
from iamd.console.console import Console
from iamd.console.own_password import change_own_password
from iamd.console.page import Page
from iamd.console.root_password import change_root_password
from iamd.console.views.users import last_used_of
from iamd.console.web import endpoint
from iamd.errors import ServiceError
from iamd.store.accounts import get_account

ROOT_DEVICE_NAME = "root-account-mfa-device"


def my_credentials(page: Page, *, problems: dict[str, str] | None = None) -> Response:
    """The signed-in principal's own password, MFA devices and access keys."""
    act = page.actor
    keys = attempt(act, "ListAccessKeys")
    return page.render(
        "my_credentials.html",
        status=400 if problems else 200,
        section="my-credentials",
        mfa=attempt(act, "ListMFADevices"),
        keys=keys,
        last_used=last_used_of(act, keys),
        account=get_account(page.conn, page.caller.account_id) if page.caller else None,
        problems=problems or {},
    )


def my_password(page: Page) -> Response:
    assert page.session is not None
    if page.session.is_root:
        problems = change_root_password(page)
    else:
        message = change_own_password(page)
        problems = {"form": message} if message is not None else {}
    if problems:
        return my_credentials(page, problems=problems)
    return page.redirect("/iam/my-credentials", notice="password-changed")


def remove_mfa(page: Page) -> Response:
    """Deactivate one's own MFA device and delete it, as AWS's console does."""
    serial = page.form.get("serial") or page.query.get("serial")
    confirmation = Confirmation(
        heading="Remove MFA device?",
        word=serial.rsplit("/", 1)[-1],
        noun="device name",
        action="/iam/my-mfa/remove",
        button="Remove",
        back="/iam/my-credentials",
        effects=["stop asking for this device's codes at sign-in", "delete the virtual device"],
        hidden={"serial": serial},
    )
    if not is_confirmed(page, confirmation):
        return ask(page, confirmation, section="my-credentials")
    try:
        with page.conn.begin_nested():
            page.actor("DeactivateMFADevice", {"SerialNumber": serial})
            page.actor("DeleteVirtualMFADevice", {"SerialNumber": serial})
    except ServiceError as error:
        return ask(page, confirmation, section="my-credentials", error=error)
    return page.redirect("/iam/my-credentials", notice="mfa-removed", name="you")


def assign_mfa(page: Page) -> Response:
    """For ``/iam/users/{name}/mfa/new`` (that user) or ``/iam/my-mfa/new`` (oneself)."""
    user_name = page.incoming.path_params.get("name")
    own_name = None if page.caller is None or page.caller.is_root else page.caller.name
    target = user_name or own_name  # None: the root user's own device
    who: dict[str, Any] = {"UserName": target} if target else {}
    context: dict[str, Any] = {"user_name": user_name, "error": None}
    go = page.form.get("go") if page.is_post else ""
    if go == "create":
        return _created(page, who, context)
    if go == "enable":
        return _enable(page, who, context)
    default_name = user_name or _own_device_name(page)
    return page.render("mfa_new.html", step="name", device_name=default_name, **context)


def _own_device_name(page: Page) -> str:
    assert page.session is not None
    return ROOT_DEVICE_NAME if page.session.is_root else page.session.name


def _created(page: Page, who: dict[str, Any], context: dict[str, Any]) -> Response:
    name = page.form.stripped("device_name")
    try:
        device = page.actor("CreateVirtualMFADevice", {"VirtualMFADeviceName": name})
    except ServiceError as error:
        context["error"] = error
        return page.render(
            "mfa_new.html", status=error.status, step="name", device_name=name, **context
        )
    device = device["VirtualMFADevice"]
    return page.render(
        "mfa_new.html",
        step="codes",
        serial=device["SerialNumber"],
        seed=_text(device["Base32StringSeed"]),
        qr_src="data:image/png;base64," + base64.b64encode(device["QRCodePNG"]).decode(),
        **context,
    )


def _text(value: bytes | str) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _enable(page: Page, who: dict[str, Any], context: dict[str, Any]) -> Response:
    serial = page.form.get("serial")
    params = {
        **who,
        "SerialNumber": serial,
        "AuthenticationCode1": page.form.stripped("code1"),
        "AuthenticationCode2": page.form.stripped("code2"),
    }
    try:
        if who:
            page.actor("EnableMFADevice", params)
        else:  # the root user's own device: no API does this, see root_mfa
            codes = (params["AuthenticationCode1"], params["AuthenticationCode2"])
            assert page.caller is not None and page.caller.is_root
            root_mfa.enable_for_root(
                page.conn,
                page.console.server.sealer,
                page.caller.account_id,
                serial,
                codes,
                page.now,
            )
    except ServiceError as error:
        context["error"] = error
        return page.render(
            "mfa_new.html",
            status=error.status,
            step="codes",
            serial=serial,
            seed=None,
            qr_src=None,
            **context,
        )
    user_name = context["user_name"]
    if user_name:
        path = f"/iam/users/{quote(user_name, safe='')}"
        return page.redirect(path, notice="mfa-assigned", name=user_name)
    return page.redirect("/iam/my-credentials", notice="mfa-assigned", name="you")


def routes(console: Console) -> list[BaseRoute]:
    both = ["GET", "POST"]
    return [
        Route("/iam/my-credentials", endpoint(console, my_credentials), methods=["GET"]),
        Route("/iam/my-password", endpoint(console, my_password), methods=["POST"]),
        Route("/iam/my-mfa/new", endpoint(console, assign_mfa), methods=both),
        Route("/iam/my-mfa/remove", endpoint(console, remove_mfa), methods=both),
        Route("/iam/users/{name}/mfa/new", endpoint(console, assign_mfa), methods=both),
    ]
