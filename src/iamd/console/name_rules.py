"""Names as a person reads their rules: "User names can have up to 64 letters, digits
and +=,.@_-", checked in the page before any request and on the server again.

In: the kind of name and what was typed, and for a refused request the API's own
`ValidationError`. Out: the words to show by the field, with the API's message below
them (``problems[field + ":api"]``), and the attributes that let the page check the
name as it is typed (``pattern``, ``maxlength``, the words for `console.js`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamd.errors import ServiceError

_IAM_CHARACTERS = "+=,.@_-"


@dataclass(frozen=True)
class NameRule:
    noun: str  # "User names"
    max_length: int
    pattern: str  # the whole name, in the syntax Python and HTML's pattern share
    characters: str = _IAM_CHARACTERS

    @property
    def words(self) -> str:
        return f"{self.noun} can have up to {self.max_length} letters, digits and {self.characters}"

    def problem(self, value: str) -> str | None:
        """The words when ``value`` breaks the rule; None when it keeps it."""
        if not value or len(value) > self.max_length or not re.fullmatch(self.pattern, value):
            return self.words
        return None


USER = NameRule("User names", 64, r"[\w+=,.@\-]+")
GROUP = NameRule("Group names", 128, r"[\w+=,.@\-]+")
ROLE = NameRule("Role names", 64, r"[\w+=,.@\-]+")
POLICY = NameRule("Policy names", 128, r"[\w+=,.@\-]+")
SAML_PROVIDER = NameRule("Provider names", 128, r"[\w.\-]+", "._-")


def problems_for(
    field: str, rule: NameRule, value: str, error: ServiceError | None = None
) -> dict[str, str]:
    """The field's problems: the rule in words (if broken or refused), the API's message."""
    words = rule.problem(value)
    if error is None:
        return {field: words} if words else {}
    return {field: words or error.message, f"{field}:api": error.message}
