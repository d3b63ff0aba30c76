"""Identity providers in a browser: an OpenID Connect provider from its URL, audience and
thumbprint, a SAML provider from an uploaded metadata file, both listed, then deleted
with their names typed; the API sees each step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import expect

from console.conftest import Shots
from console.flows import open_section, signed_in_root
from iam.test_saml_providers import metadata
from support import IamdServer

HOST = "auth.example.org"
THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def _add_oidc(page: Any, iam: Any, shots: Shots) -> None:
    page.get_by_role("link", name="Add provider").click()
    page.get_by_role("radio", name="OpenID Connect").check()
    expect(page.get_by_label("Provider name")).to_be_hidden()
    page.get_by_label("Provider URL").fill(f"https://{HOST}")
    page.get_by_label("Audience").fill("my-app")
    page.get_by_label("Thumbprints (optional, one per line)").fill("not-a-thumbprint")
    page.get_by_role("button", name="Add provider").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("ValidationError")
    expect(refusal).to_contain_text("Value at 'thumbprintList' failed to satisfy constraint")
    expect(page.get_by_label("Provider URL")).to_have_value(f"https://{HOST}")  # form kept
    shots.take(page, "oidc-refused")
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    page.get_by_label("Thumbprints (optional, one per line)").fill(THUMBPRINT)
    shots.take(page, "add-oidc")
    page.get_by_role("button", name="Add provider").click()
    page.get_by_text(f"Identity provider {HOST} added.").wait_for()


def _add_saml(page: Any, document: Path, shots: Shots) -> None:
    page.get_by_role("link", name="Add provider").click()
    page.get_by_role("radio", name="SAML").check()
    page.get_by_label("Provider name").fill("corp-idp")
    page.get_by_label("Metadata document", exact=True).set_input_files(str(document))
    shots.take(page, "add-saml")
    page.get_by_role("button", name="Add provider").click()
    page.get_by_text("Identity provider corp-idp added.").wait_for()


def _delete(page: Any, name: str, shots: Shots) -> None:
    open_section(page, "Identity providers")
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Delete").click()
    page.get_by_label("To confirm, type the provider name").fill(name)
    shots.take(page, f"delete-{name}")
    page.get_by_role("button", name="Delete").click()
    page.get_by_text(f"Identity provider {name} deleted.").wait_for()


def test_providers_are_added_listed_and_deleted(
    page: Any, console_url: str, server: IamdServer, shots: Shots, tmp_path: Path
) -> None:
    account, iam = signed_in_root(page, console_url, server)
    oidc_arn = f"arn:aws:iam::{account.account_id}:oidc-provider/{HOST}"
    saml_arn = f"arn:aws:iam::{account.account_id}:saml-provider/corp-idp"
    open_section(page, "Identity providers")
    _add_oidc(page, iam, shots)
    expect(page.get_by_text(THUMBPRINT)).to_be_visible()
    shots.take(page, "oidc-provider")
    oidc = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oidc_arn)
    assert oidc["Url"] == HOST
    assert oidc["ClientIDList"] == ["my-app"]
    assert oidc["ThumbprintList"] == [THUMBPRINT]

    document = tmp_path / "idp-metadata.xml"
    document.write_text(metadata("sso.example.org"))
    open_section(page, "Identity providers")
    _add_saml(page, document, shots)
    saml = iam.get_saml_provider(SAMLProviderArn=saml_arn)
    assert saml["SAMLMetadataDocument"] == document.read_text()

    open_section(page, "Identity providers")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text=HOST)).to_contain_text("OpenID Connect")
    expect(rows.filter(has_text="corp-idp")).to_contain_text("SAML")
    shots.take(page, "providers")

    _delete(page, HOST, shots)
    _delete(page, "corp-idp", shots)
    expect(page.get_by_text("No identity providers.")).to_be_visible()
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert iam.list_saml_providers()["SAMLProviderList"] == []
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_saml_provider(SAMLProviderArn=saml_arn)
