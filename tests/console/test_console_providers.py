"""Identity providers and tags in a browser: a SAML provider from an uploaded metadata
file, its tags edited, then deleted with its name typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import open_section, sign_in_root, sign_up
from iam.test_saml_providers import metadata


def test_a_saml_provider_uploaded_tagged_and_deleted(
    page: Any, console_url: str, shots: Shots, tmp_path: Path
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    open_section(page, "Identity providers")
    page.get_by_role("link", name="Add provider").click()
    assert page.get_by_role("radio", name="SAML").is_checked()
    expect(page.get_by_label("Provider URL")).to_be_hidden()
    page.get_by_label("Provider name").fill("corp-directory")
    document = tmp_path / "idp-metadata.xml"
    document.write_text(metadata())
    page.get_by_label("Metadata document", exact=True).set_input_files(str(document))
    page.get_by_label("Tag key 1").fill("owner")
    page.get_by_label("Tag value 1").fill("it")
    shots.take(page, "add-saml-provider")
    page.get_by_role("button", name="Add provider").click()
    page.get_by_text("Identity provider corp-directory added.").wait_for()
    expect(page.get_by_role("cell", name="owner")).to_be_visible()
    shots.take(page, "saml-provider")

    page.get_by_role("link", name="Manage tags").click()
    page.get_by_label("Tag value 1").fill("security")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Tags of corp-directory saved.").wait_for()
    expect(page.get_by_role("cell", name="security")).to_be_visible()
    page.get_by_role("link", name="Delete").click()
    page.get_by_label("To confirm, type the provider name").fill("corp-directory")
    page.get_by_role("button", name="Delete").click()
    page.get_by_text("Identity provider corp-directory deleted.").wait_for()
    expect(page.get_by_text("No identity providers.")).to_be_visible()
