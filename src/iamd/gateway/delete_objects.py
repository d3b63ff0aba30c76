"""DeleteObjects decided object by object, as S3 decides it.

S3 checks s3:DeleteObject (or s3:DeleteObjectVersion) for each object a DeleteObjects
request names; the objects the caller may not delete come back as ``AccessDenied``
errors in the ``DeleteResult`` while the others are deleted. The gateway does the
same: it forwards a body naming only the allowed objects (with its Content-MD5
recomputed, the client's checksum headers dropped, since they covered the old body)
and adds an error for each refused object to the upstream's answer — or answers
alone when no object is allowed.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree

from iamd.gateway.buckets_list import S3_NAMESPACE

Object = tuple[str, str | None]  # (key, version id)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _objects_of(element: Element) -> Object:
    key = version = None
    for child in element:
        if _local(child.tag) == "Key":
            key = child.text or ""
        elif _local(child.tag) == "VersionId":
            version = child.text
    return key or "", version


def without(body: bytes, refused: Sequence[Object]) -> bytes | None:
    """The request body naming only the objects not refused; None when none is left."""
    root = ElementTree.fromstring(body)
    left = 0
    for element in list(root):
        if _local(element.tag) != "Object":
            continue
        if _objects_of(element) in refused:
            root.remove(element)
        else:
            left += 1
    return bytes(tostring(root, encoding="utf-8", xml_declaration=True)) if left else None


def headers_for(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """The request's headers for a rewritten body: its MD5, no stale checksums."""
    kept = {
        name: value
        for name, value in headers.items()
        if not name.startswith("x-amz-checksum-") and name != "x-amz-sdk-checksum-algorithm"
    }
    kept["content-md5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
    kept["content-length"] = str(len(body))
    return kept


def with_refusals(result: bytes | None, refused: Sequence[Object]) -> bytes:
    """The DeleteResult (the upstream's, or an empty one) with an error per refused object."""
    root = ElementTree.fromstring(result) if result else Element(f"{{{S3_NAMESPACE}}}DeleteResult")
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    for key, version in refused:
        error = SubElement(root, f"{namespace}Error")
        SubElement(error, f"{namespace}Key").text = key
        if version is not None:
            SubElement(error, f"{namespace}VersionId").text = version
        SubElement(error, f"{namespace}Code").text = "AccessDenied"
        SubElement(error, f"{namespace}Message").text = "Access Denied"
    return bytes(tostring(root, encoding="utf-8", xml_declaration=True))
