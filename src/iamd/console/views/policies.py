"""Policies: the managed catalog (AWS's and the account's own) to search, one policy's
document pretty-printed with its versions and where it is attached, and a new policy
from JSON with a refused document's problem shown on its line."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import dependents, documents, name_rules
from iamd.console.actions import Actor, attempt
from iamd.console.confirm import Confirmation, delete_by_plan
from iamd.console.console import Console
from iamd.console.deletion import Plan
from iamd.console.listing import all_items, paginate, search
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import MalformedPolicyDocument, ServiceError
from iamd.store.catalog import aws_managed_policies

SCOPES = ("All", "AWS", "Local")

EXAMPLE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::example-bucket/*"
    }
  ]
}"""


def policy_list(page: Page) -> Response:
    query = page.query.get("q")
    scope = page.query.get("scope") if page.query.get("scope") in SCOPES else "All"
    policies = all_items(page.actor, "ListPolicies", "Policies", {"Scope": scope})
    found = search(policies, query, lambda policy: str(policy["PolicyName"]))
    catalog = aws_managed_policies()
    return page.render(
        "policies.html",
        section="policies",
        query=query,
        scope=scope,
        scopes=SCOPES,
        catalog=catalog,
        pagination=paginate(found, page.query.get("page")),
        page_query=urlencode({"q": query, "scope": scope}),
    )


def policy_view(page: Page) -> Response:
    arn = page.query.get("arn")
    act = page.actor
    policy = act("GetPolicy", {"PolicyArn": arn})["Policy"]
    versions = attempt(act, "ListPolicyVersions", {"PolicyArn": arn})
    version_id = page.query.get("version") or policy["DefaultVersionId"]
    version = act("GetPolicyVersion", {"PolicyArn": arn, "VersionId": version_id})
    document = documents.pretty(version["PolicyVersion"]["Document"])
    return page.render(
        "policy.html",
        section="policies",
        policy=policy,
        is_aws=arn in aws_managed_policies(),
        versions=versions,
        version_id=version_id,
        document=document,
        entities=_entities(act, arn),
    )


def _entities(act: Actor, arn: str) -> Any:
    return attempt(act, "ListEntitiesForPolicy", {"PolicyArn": arn, "MaxItems": 1000})


def new_policy(page: Page) -> Response:
    name = page.form.stripped("policy_name")
    description = page.form.stripped("description")
    document = page.form.get("document") or EXAMPLE
    problem: documents.Problem | None = None
    if page.is_post:
        params = {"PolicyName": name, "PolicyDocument": document}
        if description:
            params["Description"] = description
        try:
            arn = page.actor("CreatePolicy", params)["Policy"]["Arn"]
        except MalformedPolicyDocument as error:
            problem = documents.problem_in(document, error, "managed")
        except ServiceError as error:
            words = name_rules.POLICY.problem(name)
            message = f"{words}. ({error.message})" if words else error.message
            problem = documents.Problem(message, None, error.code)
        else:
            return page.redirect(_view_path(arn), notice="policy-created", name=name)
    return page.render(
        "policy_new.html",
        status=400 if problem else 200,
        section="policies",
        policy_name=name,
        description=description,
        document=document,
        problem=problem,
        lines=documents.numbered(document),
    )


def edit_policy(page: Page) -> Response:
    """A new default version from JSON (AWS keeps five; LimitExceeded says so)."""
    arn = page.query.get("arn")
    policy = page.actor("GetPolicy", {"PolicyArn": arn})["Policy"]
    document = page.form.get("document")
    problem: documents.Problem | None = None
    if page.is_post:
        params = {"PolicyArn": arn, "PolicyDocument": document, "SetAsDefault": True}
        try:
            page.actor("CreatePolicyVersion", params)
        except MalformedPolicyDocument as error:
            problem = documents.problem_in(document, error, "managed")
        except ServiceError as error:
            problem = documents.Problem(error.message, None, error.code)
        else:
            return page.redirect(_view_path(arn), notice="changed", name=policy["PolicyName"])
    else:
        version = {"PolicyArn": arn, "VersionId": policy["DefaultVersionId"]}
        current = page.actor("GetPolicyVersion", version)["PolicyVersion"]["Document"]
        document = documents.pretty(current)
    return page.render(
        "policy_edit.html",
        status=400 if problem else 200,
        section="policies",
        policy=policy,
        document=document,
        problem=problem,
        lines=documents.numbered(document),
    )


def _view_path(arn: str) -> str:
    return "/iam/policies/view?" + urlencode({"arn": arn})


def set_default_version(page: Page) -> Response:
    arn, version_id = page.form.get("arn"), page.form.get("version")
    page.actor("SetDefaultPolicyVersion", {"PolicyArn": arn, "VersionId": version_id})
    return page.redirect(_view_path(arn), notice="changed", name=version_id)


def delete_version(page: Page) -> Response:
    """DeletePolicyVersion, once the version id is typed."""
    arn = page.form.get("arn") or page.query.get("arn")
    version_id = page.form.get("version") or page.query.get("version")
    fields = {"arn": arn, "version": version_id}
    confirmation = Confirmation(
        heading=f"Delete policy version {version_id}?",
        word=version_id,
        noun="version",
        action="/iam/policies/versions/delete?" + urlencode(fields),
        button="Delete",
        back=_view_path(arn),
        hidden=fields,
    )
    plan = Plan()
    plan.add(
        f"Delete version {version_id} of {arn}",
        "DeletePolicyVersion",
        PolicyArn=arn,
        VersionId=version_id,
    )
    return delete_by_plan(
        page,
        confirmation,
        plan,
        section="policies",
        done=lambda: page.redirect(_view_path(arn), notice="changed", name=version_id),
    )


def delete_policy(page: Page) -> Response:
    """Detach the policy everywhere, delete its other versions and it: once confirmed."""
    arn = page.form.get("arn") or page.query.get("arn")
    name = page.actor("GetPolicy", {"PolicyArn": arn})["Policy"]["PolicyName"]
    confirmation = Confirmation(
        heading=f"Delete policy {name}?",
        word=name,
        noun="policy name",
        action="/iam/policies/delete?" + urlencode({"arn": arn}),
        button="Delete policy",
        back=_view_path(arn),
        hidden={"arn": arn},
    )
    return delete_by_plan(
        page,
        confirmation,
        dependents.policy_plan(page.actor, arn, name),
        section="policies",
        done=lambda: page.redirect("/iam/policies?scope=Local", notice="policy-deleted", name=name),
    )


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route("/iam/policies", endpoint(console, policy_list), methods=["GET"]),
        Route("/iam/policies/view", endpoint(console, policy_view), methods=["GET"]),
        Route("/iam/policies/new", endpoint(console, new_policy), methods=["GET", "POST"]),
        Route("/iam/policies/edit", endpoint(console, edit_policy), methods=["GET", "POST"]),
        Route("/iam/policies/default", endpoint(console, set_default_version), methods=["POST"]),
        Route(
            "/iam/policies/versions/delete",
            endpoint(console, delete_version),
            methods=["GET", "POST"],
        ),
        Route("/iam/policies/delete", endpoint(console, delete_policy), methods=["GET", "POST"]),
    ]
