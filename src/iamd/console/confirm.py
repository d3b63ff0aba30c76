"""Confirming a destructive change the way AWS's console does: type the thing's name.

A view builds a `Confirmation` (what goes, what the person types, where the form
posts), shows it with `ask` on GET, and on POST checks `is_confirmed` before acting.
Nothing is changed until the typed text matches, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.responses import Response

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
