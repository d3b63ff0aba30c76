"""ListBuckets through a shared upstream: each account sees only the buckets it owns.

The upstream holds every account's buckets under the gateway's one credential; S3
lists only the caller's own, so the gateway drops the others from the answer. In: the
upstream's ListAllMyBucketsResult and the names the caller's account owns. Out: the
same document without anyone else's buckets.
"""

from __future__ import annotations

from xml.etree.ElementTree import register_namespace, tostring

from defusedxml import ElementTree

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
register_namespace("", S3_NAMESPACE)


def only_buckets_of(document: bytes, owned: set[str]) -> bytes:
    root = ElementTree.fromstring(document)
    for container in root:
        if container.tag.rsplit("}", 1)[-1] != "Buckets":
            continue
        for bucket in list(container):
            names = [c.text for c in bucket if c.tag.rsplit("}", 1)[-1] == "Name"]
            if not names or names[0] not in owned:
                container.remove(bucket)
    return bytes(tostring(root, encoding="utf-8", xml_declaration=True))
