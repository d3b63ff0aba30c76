"""The policy picker of the add-user wizard, Create role, the new-group page and "Add
permissions".

It pages through every managed policy the caller may list (AWS's 1,582 and the
account's own), filtered by type (``policy_scope``: All, AWS, Local) and by a search
(``policy_q``, matched against names), `PAGE_SIZE` at a time (``policy_page``). It
keeps a selection across searches and pages: the form carries the policies it showed
(``shown_policy``) and those ticked (``policy``), so a policy ticked on one page
stays selected on the next. A caller that may not list policies gets the denial to
show in the picker's place, and the rest of the page still works.

Create role shows a second picker for the permissions boundary: single-select
(radio buttons, with "No permissions boundary"), its fields named by ``field_name``
(``boundary``, ``boundary_q``, ``shown_boundary``…) so the two keep apart. Both may
share one listing of the policies (`list_policies`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iamd.console.actions import Actor
from iamd.console.forms import Fields
from iamd.console.listing import all_items, search
from iamd.errors import ServiceError
from iamd.store.catalog import aws_managed_policies

PAGE_SIZE = 25
SCOPES = {"All": "All types", "AWS": "AWS managed", "Local": "Customer managed"}
POLICY_FIELD = "policy"
_AWS_POLICY = "arn:aws:iam::aws:policy/"

Listing = list[dict[str, Any]] | ServiceError  # every policy the caller may list, or why not


@dataclass(frozen=True)
class PolicyChoice:
    arn: str
    name: str
    is_aws: bool
    description: str
    attachments: int
    is_selected: bool


@dataclass(frozen=True)
class Picker:
    query: str
    shown: list[PolicyChoice]
    matches: int
    selected: list[str]
    scope: str = "All"
    number: int = 1  # the page shown, 1-based
    error: ServiceError | None = None
    scopes: dict[str, str] = field(default_factory=lambda: dict(SCOPES))
    field_name: str = POLICY_FIELD  # the name of the selection's form field, and its prefix
    is_single: bool = False  # one policy (radio buttons) rather than several

    @property
    def pages(self) -> int:
        return max(1, -(-self.matches // PAGE_SIZE))

    @property
    def first_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.matches else 0

    @property
    def selected_elsewhere(self) -> list[str]:
        """The names of selected policies this page does not show."""
        shown = {choice.arn for choice in self.shown}
        return [arn.rsplit("/", 1)[-1] for arn in self.selected if arn not in shown]


def list_policies(act: Actor) -> Listing:
    """Every managed policy the caller may list (ListPolicies, all types), or the denial."""
    try:
        return all_items(act, "ListPolicies", "Policies", {"Scope": "All"})
    except ServiceError as error:
        return error


def picker(
    act: Actor,
    form: Fields,
    selected: list[str],
    *,
    field_name: str = POLICY_FIELD,
    is_single: bool = False,
    listed: Listing | None = None,
) -> Picker:
    """One page of the policies matching the form's search and type (selected ones first)."""
    query = form.get(f"{field_name}_q")
    scope = form.get(f"{field_name}_scope")
    scope = scope if scope in SCOPES else "All"
    policies = list_policies(act) if listed is None else listed
    if isinstance(policies, ServiceError):
        return Picker(query, [], 0, selected, scope, error=policies, field_name=field_name)
    in_scope = [policy for policy in policies if _is_in_scope(str(policy["Arn"]), scope)]
    found = search(in_scope, query, lambda policy: str(policy["PolicyName"]))
    found.sort(key=lambda policy: _rank(policy["PolicyName"], policy["Arn"], query, selected))
    requested = form.get(f"{field_name}_page")
    pages = max(1, -(-len(found) // PAGE_SIZE))
    number = min(max(int(requested), 1), pages) if requested.isdigit() else 1
    start = (number - 1) * PAGE_SIZE
    shown = [_choice(policy, selected) for policy in found[start : start + PAGE_SIZE]]
    return Picker(
        query,
        shown,
        len(found),
        selected,
        scope,
        number,
        field_name=field_name,
        is_single=is_single,
    )


def _is_in_scope(arn: str, scope: str) -> bool:
    """ListPolicies' Scope, applied to one listing: AWS managed, customer managed, all."""
    if scope == "All":
        return True
    return arn.startswith(_AWS_POLICY) == (scope == "AWS")


def _choice(policy: dict[str, object], selected: list[str]) -> PolicyChoice:
    arn = str(policy["Arn"])
    return PolicyChoice(
        arn=arn,
        name=str(policy["PolicyName"]),
        is_aws=arn in aws_managed_policies(),
        description=_description(arn),
        attachments=int(str(policy.get("AttachmentCount", 0))),
        is_selected=arn in selected,
    )


def _rank(name: str, arn: str, query: str, selected: list[str]) -> tuple[bool, bool, bool, str]:
    """Selected first, then an exact name, then names starting with the query, by name."""
    lowered, needle = name.lower(), query.strip().lower()
    return (arn not in selected, lowered != needle, not lowered.startswith(needle), lowered)


def _description(arn: str) -> str:
    policy = aws_managed_policies().get(arn)
    return (policy.description or "") if policy is not None else ""


def selection(form: Fields, selected: list[str], *, field_name: str = POLICY_FIELD) -> list[str]:
    """The selection after a submit: ticks on the shown policies replace theirs."""
    shown = set(form.getlist(f"shown_{field_name}"))
    ticked = [arn for arn in form.getlist(field_name) if arn in shown]
    kept = [arn for arn in selected if arn not in shown]
    return kept + [arn for arn in ticked if arn not in kept]


def single_selection(form: Fields, current: str, *, field_name: str) -> str:
    """A single-select picker's choice after a submit: the radio picked, or ``current``.

    "No …" is the empty value. Only a policy the picker showed may be picked, and
    none picked on this page (the current one is on another) keeps the current one.
    """
    if not form.has(field_name):
        return current
    picked = form.get(field_name)
    return picked if picked == "" or picked in form.getlist(f"shown_{field_name}") else current
