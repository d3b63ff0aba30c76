"""Browser fixtures: Debian's Chromium driven by Playwright, a screenshot per page.

The browser tests need ``/usr/bin/chromium`` (``scripts/install_browser.sh`` installs
it; ``make test`` runs that first) and the ``playwright`` package, whose own browser
download is never used. Without either, the browser tests are skipped and say why.
Screenshots go to ``test-artifacts/console/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from console.http_client import Browser
from support import IamdServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
PASSWORD = "Corr3ct-Horse-Battery!"


# Per module, not per session: the sync API keeps an event loop running on this thread
# until it stops, and tests elsewhere (the gateway's) start their own with asyncio.run.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install_browser.sh")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Shots:
    """Saves a full-page screenshot per step, numbered in the order taken."""

    test_name: str
    count: int = 0
    saved: list[Path] = field(default_factory=list)

    def take(self, page: Any, name: str) -> Path:
        self.count += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.test_name}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.saved.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    return Shots(name.removeprefix("test-"))


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and its page."""
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def console_url(server: IamdServer) -> str:
    return server.endpoint + "/console"


@pytest.fixture
def browser(server: IamdServer) -> Browser:
    """A visitor without JavaScript (HTTP only), with a cookie jar of its own."""
    return Browser(server.endpoint + "/console")
