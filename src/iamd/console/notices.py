"""One-line confirmations shown after a change, named by a code in the redirect's query.

A view redirects to ``…?notice=user-deleted&name=alice`` after a POST; the page it lands
on reads the code here. Only these codes are shown, so a link cannot put words of its
own into the console (the name is escaped like any other text).
"""

from __future__ import annotations

from iamd.console.forms import Fields

MESSAGES = {
    "user-deleted": "User {name} deleted.",
    "user-renamed": "User renamed to {name}.",
    "group-created": "Group {name} created.",
    "group-deleted": "Group {name} deleted.",
    "policy-created": "Policy {name} created.",
    "policy-deleted": "Policy {name} deleted.",
    "role-deleted": "Role {name} deleted.",
    "role-created": "Role {name} created.",
    "trust-saved": "Trust policy of {name} saved.",
    "tags-saved": "Tags of {name} saved.",
    "provider-created": "Identity provider {name} added.",
    "provider-deleted": "Identity provider {name} deleted.",
    "settings-saved": "Account settings saved.",
    "alias-saved": "Account alias saved.",
    "alias-deleted": "Account alias deleted.",
    "password-changed": "Your password was changed.",
    "changed": "Changes to {name} saved.",
    "mfa-assigned": "MFA device assigned to {name}.",
    "mfa-removed": "MFA device removed.",
    "key-active": "Access key {name} activated.",
    "key-inactive": "Access key {name} deactivated.",
    "key-deleted": "Access key {name} deleted.",
    "switched": "You are now acting as the role {name}.",
    "switched-back": "You switched back to your own identity.",
}


def notice_of(query: Fields) -> str | None:
    template = MESSAGES.get(query.get("notice"))
    return template.format(name=query.get("name")[:128]) if template else None
