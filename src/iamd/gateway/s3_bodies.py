"""What the gateway reads from the few S3 request bodies that decide authorization.

In: a verified body. Out: the objects DeleteObjects names (each needs s3:DeleteObject),
the tags PutObjectTagging sets (``s3:RequestObjectTag/…``), the region CreateBucket
asks for (``s3:locationconstraint``), or the tags an ``x-amz-tagging`` header sets.
XML is parsed with defusedxml; a body that does not parse is S3's MalformedXML.
"""

from __future__ import annotations

from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from iamd.gateway.s3_errors import S3Error

MAX_DELETE_OBJECTS = 1000


def _malformed() -> S3Error:
    return S3Error(
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    )


def _parse(body: bytes) -> Element:
    try:
        root: Element = ElementTree.fromstring(body)
    except Exception:  # defusedxml raises ParseError or its own refusals
        raise _malformed() from None
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element, name: str) -> str | None:
    found = _children(element, name)
    return (found[0].text or "") if found else None


def objects_to_delete(body: bytes) -> list[tuple[str, str | None]]:
    """DeleteObjects' (key, version id) pairs."""
    root = _parse(body)
    if _local(root.tag) != "Delete":
        raise _malformed()
    objects = []
    for element in _children(root, "Object"):
        key = _text(element, "Key")
        if not key:
            raise _malformed()
        objects.append((key, _text(element, "VersionId")))
    if not objects or len(objects) > MAX_DELETE_OBJECTS:
        raise _malformed()
    return objects


def tag_set(body: bytes) -> list[tuple[str, str]]:
    """PutObjectTagging's tags."""
    root = _parse(body)
    sets = _children(root, "TagSet")
    if _local(root.tag) != "Tagging" or len(sets) != 1:
        raise _malformed()
    tags = []
    for tag in _children(sets[0], "Tag"):
        key, value = _text(tag, "Key"), _text(tag, "Value")
        if key is None or value is None:
            raise _malformed()
        tags.append((key, value))
    return tags


def location_constraint(body: bytes) -> str | None:
    """CreateBucket's region, when its body names one."""
    if not body.strip():
        return None
    root = _parse(body)
    if _local(root.tag) != "CreateBucketConfiguration":
        raise _malformed()
    return _text(root, "LocationConstraint")


def header_tags(value: str) -> list[tuple[str, str]]:
    """The tags of an ``x-amz-tagging`` header (URL query form)."""
    try:
        return parse_qsl(value, keep_blank_values=True, strict_parsing=bool(value))
    except ValueError:
        raise S3Error(
            "InvalidArgument",
            400,
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
            "parameters without tag name duplicates.",
        ) from None
