"""The signed-in principal's own credentials: an IAM user's password, anyone's MFA device.

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
from iamd.console.console import Console
from iamd.console.own_password import change_own_password
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import ServiceError

ROOT_DEVICE_NAME = "root-account-mfa-device"


def my_credentials(page: Page) -> Response:
    """The signed-in principal's own MFA devices and, for an IAM user, its password."""
    return page.render(
        "my_credentials.html",
        section="my-credentials",
        mfa=attempt(page.actor, "ListMFADevices"),
        message=None,
    )


def my_password(page: Page) -> Response:
    assert page.session is not None
    if page.session.is_root:
        return page.redirect("/iam/my-credentials")
    message = change_own_password(page)
    if message is not None:
        return page.render(
            "my_credentials.html",
            status=400,
            section="my-credentials",
            mfa=attempt(page.actor, "ListMFADevices"),
            message=message,
        )
    return page.redirect("/iam/my-credentials", notice="password-changed")


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
        Route("/iam/users/{name}/mfa/new", endpoint(console, assign_mfa), methods=both),
    ]
