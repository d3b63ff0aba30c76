"""Pages a person uses: on a 390-px-wide phone (a menu instead of the sidebar, no page
wider than the screen) and for keyboards and screen readers (axe-core finds nothing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import add_console_user, sign_in_root, sign_up

PHONE = {"width": 390, "height": 844}
# The pages of the flows above, each as a person reaches it.
PAGES = (
    "/iam",
    "/iam/users",
    "/iam/users/member",
    "/iam/users/new",
    "/iam/groups",
    "/iam/groups/new",
    "/iam/roles",
    "/iam/roles/new",
    "/iam/roles/wizard-role",
    "/iam/policies",
    "/iam/providers",
    "/iam/providers/new",
    "/iam/settings",
    "/iam/my-credentials",
    "/iam/users/member/delete",
    "/iam/users/member/last-accessed",
    "/iam/event-history",
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    axe = pytest.importorskip("axe_playwright_python", reason="pip install axe-playwright-python")
    from importlib import resources

    return (resources.files(axe) / "axe.min.js").read_text()


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _signed_in_with_a_user(page: Any, console_url: str) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    add_console_user(page, "member", "Member-Pass-123!", policy="IAMReadOnlyAccess")


def _through_the_role_wizard(
    page: Any, console_url: str, check: Callable[[Any, str], None]
) -> None:
    """Create role "wizard-role", checking each step of the wizard as it is shown."""
    page.goto(console_url + "/iam/roles/new")
    check(page, "role-wizard-trust")
    page.get_by_label("Service or use case").fill("lambda")
    page.get_by_role("radio", name="Lambda · Lambda", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_text("Use a permissions boundary to control the maximum role permissions").click()
    page.get_by_label("No permissions boundary").wait_for()
    check(page, "role-wizard-permissions")
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Role name").fill("wizard-role")
    check(page, "role-wizard-details")
    page.get_by_role("button", name="Create role").click()
    page.get_by_text("Role wizard-role created.").wait_for()


def _paths(page: Any, console_url: str) -> list[str]:
    """PAGES, and one event's own page (its id is known only once the event happened)."""
    page.goto(console_url + "/iam/event-history")
    href = page.get_by_test_id("events").get_by_role("link").first.get_attribute("href")
    return [*PAGES, str(href).removeprefix("/console")]


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than the screen (0: it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_every_page_fits_a_phone(phone: Any, console_url: str, shots: Shots) -> None:
    _signed_in_with_a_user(phone, console_url)

    def fits(page: Any, name: str) -> None:
        assert _overflow(page) <= 0, name
        shots.take(page, "phone-" + name)

    _through_the_role_wizard(phone, console_url, fits)
    for path in _paths(phone, console_url):
        phone.goto(console_url + path)
        assert _overflow(phone) <= 0, path
        shots.take(phone, "phone" + path.replace("/", "-")[:60])
    menu = phone.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(phone.get_by_role("link", name="Roles", exact=True)).to_be_hidden()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    phone.get_by_role("link", name="Roles", exact=True).click()
    phone.get_by_role("heading", name="Roles").wait_for()


def test_axe_finds_no_accessibility_violations(
    page: Any, console_url: str, axe_source: str
) -> None:
    page.goto(console_url + "/signin")
    found = {"/signin": _audit(page, axe_source)}
    _signed_in_with_a_user(page, console_url)

    def audit(page: Any, name: str) -> None:
        found[name] = _audit(page, axe_source)

    _through_the_role_wizard(page, console_url, audit)
    for path in _paths(page, console_url):
        page.goto(console_url + path)
        found[path] = _audit(page, axe_source)
    problems = [f"{path} {line}" for path, lines in found.items() for line in lines]
    assert not problems, "\n".join(problems)


def _audit(page: Any, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page, as "rule: element" lines."""
    page.evaluate(axe_source + "\n;undefined")
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.flatMap(
                (v) => v.nodes.map((n) => v.id + ": " + n.target.join(" ")));
        }""",
        AXE_TAGS,
    )
    return [str(line) for line in violations]


def test_a_name_is_checked_in_the_page_before_any_request(
    page: Any, console_url: str, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    page.goto(console_url + "/iam/users/new")
    page.get_by_label("User name").fill("bad name!")
    rule = "User names can have up to 64 letters, digits and +=,.@_-"
    assert page.locator("#user_name-rule").inner_text() == rule
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.method))
    page.get_by_role("button", name="Next: Permissions").click()
    assert "POST" not in requests  # the page said no; nothing was sent
    assert page.evaluate("document.activeElement.id") == "user_name"
    shots.take(page, "name-rule")
    page.get_by_label("User name").fill("good-name")
    assert page.locator("#user_name-rule").is_hidden()
    page.get_by_role("button", name="Next: Permissions").click()
    page.get_by_role("heading", name="Groups").wait_for()
