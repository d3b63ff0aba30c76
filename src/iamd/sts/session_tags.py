"""Session tags and transitive tag keys: checked, and carried along role chains.

In: the ``Tags`` and ``TransitiveTagKeys`` of a request and the calling session's
transitive tags. Out: `SessionTags` — the new session's tags (inherited transitive
ones first) and its transitive keys — or AWS's InvalidParameterValue, in AWS's words
(recorded): duplicate keys (case-insensitively), a transitive key not among the
requested tags, or a requested tag that would replace an inherited transitive one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from iamd.auth.caller import Session, Tags
from iamd.errors import InvalidParameterValue
from iamd.operation import Params

DUPLICATE_KEYS = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
TRANSITIVE_NOT_REQUESTED = (
    "The specified transitive tag key must be included in the requested tags."
)
TRANSITIVE_CONFLICT = (
    "One of the specified transitive tag keys can't be set because it conflicts with "
    "a transitive tag key from the calling session."
)


@dataclass(frozen=True)
class SessionTags:
    requested: Tags  # what this request passed: aws:RequestTag in the trust policy
    tags: Tags  # the new session's tags: inherited transitive ones, then the requested
    transitive_keys: tuple[str, ...]

    @property
    def is_tagging(self) -> bool:
        """Whether the trust policy must allow sts:TagSession."""
        return bool(self.tags)


NO_TAGS_REQUESTED = SessionTags((), (), ())


def token_tags(tags: Tags, transitive: Sequence[str]) -> SessionTags:
    """Tags an identity provider put in its token (OIDC claim or SAML attributes)."""
    _check_unique(tags)
    _check_transitive(tags, transitive)
    return SessionTags(tags, tags, _unique_keys(transitive))


def read_session_tags(params: Params, caller_session: Session | None) -> SessionTags:
    requested = tuple((str(tag["Key"]), str(tag["Value"])) for tag in params.get("Tags") or [])
    transitive = tuple(str(key) for key in params.get("TransitiveTagKeys") or [])
    _check_unique(requested)
    _check_transitive(requested, transitive)
    inherited = caller_session.transitive_tags if caller_session is not None else ()
    inherited_keys = caller_session.transitive_tag_keys if caller_session is not None else ()
    _check_no_override(requested, transitive, inherited)
    return SessionTags(
        requested, inherited + requested, _unique_keys(tuple(inherited_keys) + transitive)
    )


def _check_unique(tags: Sequence[tuple[str, str]]) -> None:
    keys = [key.lower() for key, _ in tags]
    if len(set(keys)) != len(keys):
        raise InvalidParameterValue(DUPLICATE_KEYS)


def _check_transitive(tags: Sequence[tuple[str, str]], transitive: Sequence[str]) -> None:
    requested = {key.lower() for key, _ in tags}
    if any(key.lower() not in requested for key in transitive):
        raise InvalidParameterValue(TRANSITIVE_NOT_REQUESTED)


def _check_no_override(tags: Tags, transitive: Sequence[str], inherited: Tags) -> None:
    inherited_keys = {key.lower() for key, _ in inherited}
    requested = {key.lower() for key, _ in tags} | {key.lower() for key in transitive}
    if inherited_keys & requested:
        raise InvalidParameterValue(TRANSITIVE_CONFLICT)


def _unique_keys(keys: Sequence[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    unique: list[str] = []
    for key in keys:
        if key.lower() not in seen:
            seen.add(key.lower())
            unique.append(key)
    return tuple(unique)


def tag_context(tags: Tags, transitive_keys: Sequence[str]) -> dict[str, str | list[str]]:
    """``aws:RequestTag/…``, ``aws:TagKeys`` and ``sts:TransitiveTagKeys`` for a trust policy."""
    keys: dict[str, str | list[str]] = {f"aws:RequestTag/{key}": value for key, value in tags}
    if tags:
        keys["aws:TagKeys"] = [key for key, _ in tags]
    if transitive_keys:
        keys["sts:TransitiveTagKeys"] = list(transitive_keys)
    return keys
