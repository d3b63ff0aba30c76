"""Confirming a destructive change the way AWS's console does: type the thing's name.

A view builds a `Confirmation` (what goes, what the person types, where the form
posts), shows it with `ask` on GET, and on POST checks `is_confirmed` before acting.
Nothing is changed until the typed text matches, exactly. `delete_by_plan` does all
of that for a deletion `Plan` (`iamd.console.deletion`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from starlette.responses import Response

from iamd.console.deletion import Plan, carry_out
from iamd.console.page import Page
from iamd.errors import ServiceError


@dataclass(frozen=True)
class Confirmation:
    heading: str  # "Delete user alice?"
    word: str  # what must be typed: the name, the key id …
    noun: str  # "user name", "access key ID": what the word is
    action: str  # the console path the form posts to
    button: str  # "Delete user"
    back: str  # the console path of Cancel
    effects: list[str] = field(default_factory=list)  # what happens, line by line
    warning: str | None = None
    hidden: dict[str, str] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)  # what could not be listed, and why


def is_confirmed(page: Page, confirmation: Confirmation) -> bool:
    return page.is_post and page.form.get("confirm") == confirmation.word


def ask(
    page: Page,
    confirmation: Confirmation,
    *,
    section: str,
    error: ServiceError | None = None,
) -> Response:
    """The confirmation page; after a POST whose typed text did not match, says so."""
    mismatch = page.is_post and error is None and not is_confirmed(page, confirmation)
    status = error.status if error else (400 if mismatch else 200)
    return page.render(
        "confirm.html",
        status=status,
        section=section,
        confirmation=confirmation,
        mismatch=mismatch,
        error=error,
    )


def delete_by_plan(
    page: Page,
    confirmation: Confirmation,
    plan: Plan,
    *,
    section: str,
    done: Callable[[], Response],
) -> Response:
    """Ask, listing the plan's calls; once confirmed, make them all (or none) and go on."""
    unchecked = [f"Could not check: {error.message}" for error in plan.unlisted]
    confirmation = replace(confirmation, effects=plan.effects, unchecked=unchecked)
    if not is_confirmed(page, confirmation):
        return ask(page, confirmation, section=section)
    try:
        carry_out(page.actor, plan)
    except ServiceError as error:
        return ask(page, confirmation, section=section, error=error)
    return done()
