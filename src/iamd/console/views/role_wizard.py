"""The "Create role" wizard: trusted entity → permissions → name, review and create.

One URL; each step posts back with its name (``step``), what to do (``go``: next,
back, search, add-tag, create) and the sealed state of the steps before, as the
add-user wizard does. Nothing is created until "Create role"; then
`iamd.console.new_role.create_role` makes every call at once as the signed-in
principal, and the role's page opens.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import documents, name_rules, picker, tag_rows, trusted_services
from iamd.console.actions import attempt, check_input
from iamd.console.console import Console
from iamd.console.forms import Fields
from iamd.console.new_role import MAX_ROLE_POLICIES, STEPS, NewRole, create_role
from iamd.console.page import Page
from iamd.console.state import FIELD, open_state, seal_state
from iamd.console.trust_policies import ENTITY_TYPES, SAML_ATTRIBUTES, WEB_PROVIDERS
from iamd.console.web import endpoint
from iamd.errors import MalformedPolicyDocument, ServiceError
from iamd.policy import validate_policy

Problems = dict[str, str]
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
BOUNDARY_FIELD = "boundary"  # the boundary picker's field, beside the policies' picker


def new_role_page(page: Page) -> Response:
    if not page.is_post:
        return _render(page, NewRole(), "trust", {})
    new = NewRole.from_state(_state(page))
    step = page.form.get("step") if page.form.get("step") in STEPS else "trust"
    _apply(step, page.form, new)
    go = page.form.get("go")
    if go == "back":
        return _render(page, new, STEPS[max(STEPS.index(step) - 1, 0)], {})
    if go not in ("next", "create"):  # search, add-tag: the same step again
        return _render(page, new, step, {})
    problems = _problems(page, step, new)
    if problems:
        return _render(page, new, step, problems, status=400)
    if step == "details":
        return _create(page, new) if go == "create" else _render(page, new, step, {})
    if step == "trust":
        new.preselect()
    return _render(page, new, STEPS[STEPS.index(step) + 1], {})


def _state(page: Page) -> dict[str, Any] | None:
    assert page.session is not None
    return open_state(page.console.server.sealer, page.session.session_id, page.form.get(FIELD))


# --- reading each step's fields -------------------------------------------------------


def _apply(step: str, form: Fields, new: NewRole) -> None:
    if step == "trust":
        _apply_trust(form, new)
    elif step == "permissions":
        new.policies = picker.selection(form, new.policies)
        new.boundary = picker.single_selection(form, new.boundary, field_name=BOUNDARY_FIELD)
    elif step == "details":
        new.role_name = form.stripped("role_name")
        new.description = form.stripped("description")
        new.tags = tag_rows.read_tags(form)


def _apply_trust(form: Fields, new: NewRole) -> None:
    kind = form.get("entity_type")
    new.entity_type = kind if kind in ENTITY_TYPES else "service"
    new.use_case = form.get("use_case") or new.use_case
    new.service_q = form.get("service_q")
    new.is_other_account = form.get("account_scope") == "other"
    new.other_account = form.stripped("other_account")
    new.require_external_id = form.has("require_external_id")
    new.external_id = form.stripped("external_id")
    new.require_mfa = form.has("require_mfa")
    new.web_provider = form.get("web_provider")
    new.audience = form.stripped("audience")
    new.saml_provider = form.get("saml_provider")
    new.saml_console = form.get("saml_access") != "programmatic"
    new.saml_attribute = form.get("saml_attribute") or new.saml_attribute
    new.saml_value = form.stripped("saml_value")
    new.custom = form.get("custom") or new.custom


def _problems(page: Page, step: str, new: NewRole) -> Problems:
    if step == "trust":
        return _trust_problems(page, new)
    if step == "permissions":
        return _permissions_problems(page, new)
    return _details_problems(page, new)


def _trust_problems(page: Page, new: NewRole) -> Problems:
    problems = _choice_problems(new)
    if problems:
        return problems
    assert page.caller is not None
    try:
        validate_policy(new.trust(page.caller.account_id), "trust")
    except MalformedPolicyDocument as error:
        return {"custom" if new.entity_type == "custom" else "entity_type": error.message}
    return {}


def _choice_problems(new: NewRole) -> Problems:
    kind = new.entity_type
    if kind == "service" and new.case is None:
        return {"use_case": "Choose a service and its use case."}
    if kind == "account" and new.is_other_account and not _ACCOUNT_ID.match(new.other_account):
        return {"other_account": "Enter the other account's 12-digit ID."}
    if kind == "account" and new.require_external_id and not _EXTERNAL_ID.match(new.external_id):
        return {"external_id": "An external ID has 2 to 1,224 letters, digits and +=,.@:/-_"}
    if kind == "web" and not new.web_provider:
        return {"web_provider": "Choose an identity provider."}
    if kind == "web" and not new.audience:
        return {"audience": "Enter the audience: the application's client ID."}
    if kind == "saml" and not new.saml_provider:
        return {"saml_provider": "Choose a SAML provider (create one under Identity providers)."}
    if kind == "saml" and not new.saml_console:
        return _saml_condition_problems(new)
    return {}


def _saml_condition_problems(new: NewRole) -> Problems:
    """Programmatic access only needs one attribute condition, as AWS's console does."""
    if new.saml_attribute not in SAML_ATTRIBUTES:
        return {"saml_attribute": "Choose a SAML attribute."}
    if not new.saml_value:
        return {"saml_value": "Enter the value the attribute must have."}
    return {}


def _permissions_problems(page: Page, new: NewRole) -> Problems:
    if len(new.policies) > MAX_ROLE_POLICIES:
        count = len(new.policies)
        return {
            "policies": f"A role can have at most {MAX_ROLE_POLICIES} policies; {count} chosen."
        }
    if new.boundary:
        found = attempt(page.actor, "GetPolicy", {"PolicyArn": new.boundary})
        if found.error is not None:
            return {"boundary": found.error.message}
    return {}


def _details_problems(page: Page, new: NewRole) -> Problems:
    assert page.caller is not None
    try:
        check_input("CreateRole", new.create_params(page.caller.account_id))
    except ServiceError as error:
        return name_rules.problems_for("role_name", name_rules.ROLE, new.role_name, error)
    if attempt(page.actor, "GetRole", {"RoleName": new.role_name}).value is not None:
        return {"role_name": f"Role with name {new.role_name} already exists."}
    problem = tag_rows.tag_problem(new.tags, "TagRole", "RoleName")
    return {"tags": problem} if problem else {}


# --- rendering -----------------------------------------------------------------------


def _render(
    page: Page,
    new: NewRole,
    step: str,
    problems: Problems,
    *,
    status: int = 200,
    error: ServiceError | None = None,
) -> Response:
    assert page.session is not None and page.caller is not None
    sealed = seal_state(page.console.server.sealer, page.session.session_id, new.as_state())
    trust = new.trust(page.caller.account_id)
    return page.render(
        "role_new.html",
        status=status,
        section="roles",
        steps=STEPS,
        step=step,
        new=new,
        state=sealed,
        problems=problems,
        error=error,
        trust_lines=documents.numbered(documents.pretty(trust)),
        **_step_context(page, new, step, problems),
    )


def _step_context(page: Page, new: NewRole, step: str, problems: Problems) -> dict[str, Any]:
    if step == "trust":
        return {
            "use_cases": trusted_services.search(new.service_q),
            "web_providers": WEB_PROVIDERS,
            "oidc": attempt(page.actor, "ListOpenIDConnectProviders"),
            "saml": attempt(page.actor, "ListSAMLProviders"),
            "saml_attributes": SAML_ATTRIBUTES,
            "custom_line": _custom_line(new, problems),
        }
    if step == "permissions":
        listed = picker.list_policies(page.actor)  # one listing for both pickers
        boundary = [new.boundary] if new.boundary else []
        return {
            "picker": picker.picker(page.actor, page.form, new.policies, listed=listed),
            "boundary_picker": picker.picker(
                page.actor,
                page.form,
                boundary,
                field_name=BOUNDARY_FIELD,
                is_single=True,
                listed=listed,
            ),
        }
    same = step == page.form.get("step")
    return {"tag_rows": tag_rows.row_count(page.form, new.tags, is_same_step=same)}


def _custom_line(new: NewRole, problems: Problems) -> int | None:
    if "custom" not in problems:
        return None
    error = MalformedPolicyDocument(problems["custom"])
    return documents.problem_in(new.custom, error, "trust").line


def _create(page: Page, new: NewRole) -> Response:
    # The sealed state of a refused trust step is valid too: check its choice again.
    trust_problems = _trust_problems(page, new)
    if trust_problems:
        return _render(page, new, "trust", trust_problems, status=400)
    try:
        create_role(page.actor, new)
    except ServiceError as error:  # nothing was created: show why, on the last step
        return _render(page, new, "details", {}, status=error.status, error=error)
    path = f"/iam/roles/{quote(new.role_name, safe='')}"
    return page.redirect(path, notice="role-created", name=new.role_name)


def routes(console: Console) -> list[BaseRoute]:
    return [Route("/iam/roles/new", endpoint(console, new_role_page), methods=["GET", "POST"])]
