"""Identity providers from the console over HTTP: OpenID Connect with its thumbprint,
SAML with an uploaded metadata document, audiences, and deleting with the name typed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from console.http_client import Browser, post_multipart, signed_up_root, token_of
from iam.test_saml_providers import metadata
from support import IamdServer

THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def _add(browser: Browser, fields: dict[str, str], files: dict[str, str] | None = None) -> Any:
    _, _, html = browser.get("/iam/providers/new")
    return post_multipart(
        browser, "/iam/providers/new", html, {"go": "create", **fields}, files or {}
    )


def test_an_openid_connect_provider_with_its_thumbprint(browser: Browser, root_iam: Any) -> None:
    fields = {"kind": "oidc", "url": "http://insecure.example.com", "audience": "sts.amazonaws.com"}
    status, _, html = _add(browser, fields)
    assert status == 400 and "begins with https://" in html
    fields |= {"url": "https://token.actions.githubusercontent.com", "thumbprints": THUMBPRINT}
    fields |= {"tag_key": "ci", "tag_value": "github"}
    status, headers, html = _add(browser, fields)
    assert status == 303 and "notice=provider-created" in headers["location"], html
    arn = root_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"][0]["Arn"]
    provider = root_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    assert provider["ThumbprintList"] == [THUMBPRINT]
    assert provider["Tags"] == [{"Key": "ci", "Value": "github"}]

    view = "/iam/providers/view?arn=" + quote(arn, safe="")
    status, _, html = browser.get(view)
    assert status == 200 and "token.actions.githubusercontent.com" in html
    fields = {"arn": arn, "client_id": "another-app", "csrf_token": token_of(html)}
    assert browser.post("/iam/providers/audiences", fields)[0] == 303
    fields = {"arn": arn, "thumbprints": f"{THUMBPRINT}\n{'c' * 40}", "csrf_token": token_of(html)}
    assert browser.post("/iam/providers/thumbprints", fields)[0] == 303
    provider = root_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com", "another-app"]
    assert provider["ThumbprintList"] == [THUMBPRINT, "c" * 40]

    delete = "/iam/providers/delete?arn=" + quote(arn, safe="")
    status, _, html = browser.get(delete)
    assert status == 200 and "token.actions.githubusercontent.com</strong>" in html
    fields = {
        "arn": arn,
        "confirm": "token.actions.githubusercontent.com",
        "csrf_token": token_of(html),
    }
    status, headers, _ = browser.post(delete, fields)
    assert status == 303 and "notice=provider-deleted" in headers["location"]
    assert root_iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_a_saml_provider_from_an_uploaded_metadata_file(browser: Browser, root_iam: Any) -> None:
    status, _, html = _add(browser, {"kind": "saml", "name": "corp"})
    assert status == 400 and "Choose the metadata document" in html
    status, _, html = _add(browser, {"kind": "saml", "name": "corp"}, {"metadata_file": "<nope/>"})
    assert status == 400 and "Member must have length greater than or equal to 1000" in html
    broken = metadata().replace("EntityDescriptor", "Entity", 1)
    status, _, html = _add(browser, {"kind": "saml", "name": "corp"}, {"metadata_file": broken})
    assert status == 400 and "Could not parse metadata" in html
    status, _headers, html = _add(
        browser, {"kind": "saml", "name": "corp"}, {"metadata_file": metadata()}
    )
    assert status == 303, html
    arn = root_iam.list_saml_providers()["SAMLProviderList"][0]["Arn"]
    assert arn.endswith(":saml-provider/corp")
    view = "/iam/providers/view?arn=" + quote(arn, safe="")
    status, _, html = browser.get(view)
    assert status == 200 and "idp.example.com" in html
    replacement = metadata("other-idp.example.com")
    status, _, _ = post_multipart(
        browser, "/iam/providers/metadata", html, {"arn": arn}, {"metadata_file": replacement}
    )
    assert status == 303
    document = root_iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"]
    assert "other-idp.example.com" in document


def test_a_provider_page_of_another_account_s_arn_is_not_found(
    browser: Browser, root_iam: Any
) -> None:
    arn = "arn:aws:iam::000000000000:oidc-provider/elsewhere.example.com"
    status, _, _html = browser.get("/iam/providers/view?arn=" + quote(arn, safe=""))
    assert status in (403, 404)
    with pytest.raises(ClientError):
        root_iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
