"""The IAM dashboard: the sign-in URL, the resource counts, the security recommendations."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import recommendations
from iamd.console.actions import Actor, Attempt, attempt
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.recommendations import Recommendation
from iamd.console.web import endpoint
from iamd.errors import ServiceError

COUNTED = (
    ("Users", "Users", "/iam/users"),
    ("Groups", "Groups", "/iam/groups"),
    ("Roles", "Roles", "/iam/roles"),
    ("Policies", "Customer managed policies", "/iam/policies?scope=Local"),
    ("Providers", "Identity providers", "/iam/providers"),
)


def dashboard(page: Page) -> Response:
    act = page.actor
    summary = attempt(act, "GetAccountSummary")
    aliases = attempt(act, "ListAccountAliases")
    alias_list = aliases.value["AccountAliases"] if aliases.value else []
    summary_map = summary.value["SummaryMap"] if summary.value else {}
    report = _credential_report(act) if summary_map else Attempt[str]()
    return page.render(
        "dashboard.html",
        section="dashboard",
        summary=summary,
        counts=[(label, summary_map.get(key, 0), link) for key, label, link in COUNTED],
        signin_urls=_signin_urls(page, alias_list),
        recommendations=_recommendations(page, summary_map, report),
        report_error=report.error,
    )


def _signin_urls(page: Page, aliases: list[str]) -> list[str]:
    assert page.caller is not None
    return [page.signin_url(page.caller.account_id)] + [page.signin_url(a) for a in aliases]


def _recommendations(
    page: Page, summary: dict[str, int], report: Attempt[str]
) -> list[Recommendation]:
    if not summary:
        return []
    assert page.caller is not None
    found = recommendations.for_root(summary, is_root=page.caller.is_root)
    if report.value is not None:
        users = recommendations.unused_credentials(report.value, page.now)
        found.append(recommendations.for_credentials(users))
    return found


def _credential_report(act: Actor) -> Attempt[str]:
    """The account's credential report (generated when there is none, reused for hours)."""
    try:
        act("GenerateCredentialReport")
        return Attempt(value=str(act("GetCredentialReport")["Content"]))
    except ServiceError as error:
        return Attempt(error=error)


def routes(console: Console) -> list[BaseRoute]:
    return [Route("/iam", endpoint(console, dashboard, write=True), methods=["GET"])]
