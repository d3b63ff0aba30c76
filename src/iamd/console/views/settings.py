"""Account settings: the password policy and the account alias."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console.actions import Attempt
from iamd.console.confirm import Confirmation, delete_by_plan
from iamd.console.console import Console
from iamd.console.deletion import Plan
from iamd.console.forms import Fields, whole_number
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import NoSuchEntity, ServiceError

CHECKBOXES = (
    ("RequireUppercaseCharacters", "Require at least one uppercase letter (A–Z)"),
    ("RequireLowercaseCharacters", "Require at least one lowercase letter (a–z)"),
    ("RequireNumbers", "Require at least one number"),
    (
        "RequireSymbols",
        "Require at least one non-alphanumeric character (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')",
    ),
    ("AllowUsersToChangePassword", "Allow users to change their own password"),
    (
        "HardExpiry",
        "Prevent password reuse after expiry: only an administrator can reset an expired password",
    ),
)
NUMBERS = ("MinimumPasswordLength", "MaxPasswordAge", "PasswordReusePrevention")


def settings_page(page: Page, *, error: ServiceError | None = None) -> Response:
    act = page.actor
    try:
        policy: Attempt[Any] = Attempt(value=act("GetAccountPasswordPolicy")["PasswordPolicy"])
    except NoSuchEntity:
        policy = Attempt(value=None)
    except ServiceError as denied:
        policy = Attempt(error=denied)
    try:
        aliases: Attempt[Any] = Attempt(value=act("ListAccountAliases")["AccountAliases"])
    except ServiceError as denied:
        aliases = Attempt(error=denied)
    return page.render(
        "settings.html",
        status=error.status if error else 200,
        section="settings",
        policy=policy,
        aliases=aliases,
        checkboxes=CHECKBOXES,
        error=error,
    )


def show_settings(page: Page) -> Response:
    return settings_page(page)


def _change(page: Page, operation: str, params: dict[str, Any], notice: str) -> Response:
    try:
        page.actor(operation, params)
    except ServiceError as error:
        return settings_page(page, error=error)
    return page.redirect("/iam/settings", notice=notice)


def policy_params(form: Fields) -> dict[str, Any]:
    """UpdateAccountPasswordPolicy's input from the form (blank numbers left out)."""
    params: dict[str, Any] = {name: form.has(name) for name, _ in CHECKBOXES}
    for name in NUMBERS:
        value = form.stripped(name)
        if value:
            number = whole_number(value)
            params[name] = value if number is None else number
    if not form.stripped("MaxPasswordAge"):
        params.pop("HardExpiry")
    return params


def save_policy(page: Page) -> Response:
    return _change(page, "UpdateAccountPasswordPolicy", policy_params(page.form), "settings-saved")


def reset_policy(page: Page) -> Response:
    return _change(page, "DeleteAccountPasswordPolicy", {}, "settings-saved")


def save_alias(page: Page) -> Response:
    alias = page.form.stripped("alias")
    return _change(page, "CreateAccountAlias", {"AccountAlias": alias}, "alias-saved")


def delete_alias(page: Page) -> Response:
    """DeleteAccountAlias, once the alias is typed (its sign-in URL stops working)."""
    alias = page.form.stripped("alias") or page.query.stripped("alias")
    confirmation = Confirmation(
        heading=f"Delete the account alias {alias}?",
        word=alias,
        noun="alias",
        action="/iam/settings/alias/delete",
        button="Delete alias",
        back="/iam/settings",
        hidden={"alias": alias},
    )
    plan = Plan()
    plan.add(
        f"Delete the alias {alias}: its sign-in URL stops working",
        "DeleteAccountAlias",
        AccountAlias=alias,
    )
    return delete_by_plan(
        page,
        confirmation,
        plan,
        section="settings",
        done=lambda: page.redirect("/iam/settings", notice="alias-deleted"),
    )


def routes(console: Console) -> list[BaseRoute]:
    post = ["POST"]
    return [
        Route("/iam/settings", endpoint(console, show_settings), methods=["GET"]),
        Route("/iam/settings/password-policy", endpoint(console, save_policy), methods=post),
        Route(
            "/iam/settings/password-policy/delete", endpoint(console, reset_policy), methods=post
        ),
        Route("/iam/settings/alias", endpoint(console, save_alias), methods=post),
        Route(
            "/iam/settings/alias/delete", endpoint(console, delete_alias), methods=["GET", "POST"]
        ),
    ]
