"""The "Last accessed" tab of a user's, group's, role's and policy's page.

Each page reads its entity (so an unknown name is AWS's NoSuchEntity, as on the
entity's own page), then asks the access advisor about its ARN. Generating the report
stores a job, so these GETs write.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console.console import Console
from iamd.console.last_accessed import last_accessed
from iamd.console.page import Page
from iamd.console.web import endpoint


@dataclass(frozen=True)
class Subject:
    kind: str  # user, group, role, policy
    name: str
    arn: str
    page_path: str  # the entity's own page
    section: str  # of the sidebar

    @property
    def tab_path(self) -> str:
        if self.kind == "policy":
            return f"/iam/policies/last-accessed?arn={quote(self.arn, safe='')}"
        return self.page_path + "/last-accessed"


def user_tab(page: Page) -> Response:
    name = page.param("name")
    user = page.actor("GetUser", {"UserName": name})["User"]
    path = f"/iam/users/{quote(name, safe='')}"
    return _render(page, Subject("user", user["UserName"], user["Arn"], path, "users"))


def group_tab(page: Page) -> Response:
    name = page.param("name")
    group = page.actor("GetGroup", {"GroupName": name, "MaxItems": 1})["Group"]
    path = f"/iam/groups/{quote(name, safe='')}"
    return _render(page, Subject("group", group["GroupName"], group["Arn"], path, "groups"))


def role_tab(page: Page) -> Response:
    name = page.param("name")
    role = page.actor("GetRole", {"RoleName": name})["Role"]
    path = f"/iam/roles/{quote(name, safe='')}"
    return _render(page, Subject("role", role["RoleName"], role["Arn"], path, "roles"))


def policy_tab(page: Page) -> Response:
    policy = page.actor("GetPolicy", {"PolicyArn": page.query.get("arn")})["Policy"]
    path = f"/iam/policies/view?arn={quote(policy['Arn'], safe='')}"
    subject = Subject("policy", policy["PolicyName"], policy["Arn"], path, "policies")
    return _render(page, subject)


def _render(page: Page, subject: Subject) -> Response:
    # A policy grants what it grants: the granting-policies column is its own name.
    services = last_accessed(page.actor, subject.arn, with_policies=subject.kind != "policy")
    return page.render(
        "last_accessed.html", section=subject.section, subject=subject, services=services
    )


def routes(console: Console) -> list[BaseRoute]:
    views = {
        "/iam/users/{name}/last-accessed": user_tab,
        "/iam/groups/{name}/last-accessed": group_tab,
        "/iam/roles/{name}/last-accessed": role_tab,
        "/iam/policies/last-accessed": policy_tab,
    }
    return [
        Route(path, endpoint(console, view, write=True), methods=["GET"])
        for path, view in views.items()
    ]
