"""The policy picker of the add-user wizard, Create role, the new-group page and "Add
permissions".

It pages through every managed policy the caller may list (AWS's 1,582 and the
account's own), filtered by type (``policy_scope``: All, AWS, Local) and by a search
(``policy_q``, matched against names), `PAGE_SIZE` at a time (``policy_page``). It
keeps a selection across searches and pages: the form carries the policies it showed
(``shown_policy``) and those ticked (``policy``), so a policy ticked on one page
stays selected on the next. A caller that may not list policies gets the denial to
show in the picker's place, and the rest of the page still works.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iamd.console.actions import Actor
from iamd.console.forms import Fields
from iamd.console.listing import all_items, search
from iamd.errors import ServiceError
from iamd.store.catalog import aws_managed_policies

PAGE_SIZE = 25
SCOPES = {"All": "All types", "AWS": "AWS managed", "Local": "Customer managed"}


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


def picker(act: Actor, form: Fields, selected: list[str]) -> Picker:
    """One page of the policies matching the form's search and type (selected ones first)."""
    query = form.get("policy_q")
    scope = form.get("policy_scope") if form.get("policy_scope") in SCOPES else "All"
    try:
        policies = all_items(act, "ListPolicies", "Policies", {"Scope": scope})
    except ServiceError as error:
        return Picker(query, [], 0, selected, scope, error=error)
    found = search(policies, query, lambda policy: str(policy["PolicyName"]))
    found.sort(key=lambda policy: _rank(policy["PolicyName"], policy["Arn"], query, selected))
    requested = form.get("policy_page")
    pages = max(1, -(-len(found) // PAGE_SIZE))
    number = min(max(int(requested), 1), pages) if requested.isdigit() else 1
    start = (number - 1) * PAGE_SIZE
    shown = [_choice(policy, selected) for policy in found[start : start + PAGE_SIZE]]
    return Picker(query, shown, len(found), selected, scope, number)


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


def selection(form: Fields, selected: list[str]) -> list[str]:
    """The selection after a submit: ticks on the shown policies replace theirs."""
    shown = set(form.getlist("shown_policy"))
    ticked = [arn for arn in form.getlist("policy") if arn in shown]
    kept = [arn for arn in selected if arn not in shown]
    return kept + [arn for arn in ticked if arn not in kept]
