"""An object's tags, asked of the upstream, for ``s3:ExistingObjectTag/<key>``.

Only when a policy reads such a key (the resolver in `s3_authorize` calls this on
first use), with the gateway's own credentials. An object the upstream cannot tag
(missing, or an error) has no tags: a condition on them then finds the key absent.
"""

from __future__ import annotations

from iamd.gateway.s3_address import S3Address
from iamd.gateway.s3_bodies import tag_set
from iamd.gateway.s3_errors import S3Error
from iamd.gateway.upstream import Upstream


def fetch_tags(upstream: Upstream, address: S3Address, version_id: str | None) -> dict[str, str]:
    params = {"tagging": ""}
    if version_id:
        params["versionId"] = version_id
    url = upstream.request_url(address.upstream_path(), params)
    headers = upstream.headers_for("GET", url, {}, content_length=None)
    response = upstream.sync_client.get(url, headers=headers)
    if response.status_code != 200:
        return {}
    try:
        return dict(tag_set(response.content))
    except S3Error:
        return {}
