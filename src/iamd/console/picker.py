"""The policy picker of the add-user wizard, the new-group page and "Add permissions".

It shows the managed policies (AWS's and the account's own) that match a search, and
keeps a selection across searches: the form carries the policies it showed
(``shown_policy``) and those ticked (``policy``), so a policy ticked under one search
stays selected under the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamd.console.actions import Actor
from iamd.console.forms import Fields
from iamd.console.listing import all_items, search
from iamd.store.catalog import aws_managed_policies

SHOWN_LIMIT = 25


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

    @property
    def selected_elsewhere(self) -> list[str]:
        """The names of selected policies this search does not show."""
        shown = {choice.arn for choice in self.shown}
        return [arn.rsplit("/", 1)[-1] for arn in self.selected if arn not in shown]


def picker(act: Actor, query: str, selected: list[str]) -> Picker:
    """The policies matching ``query`` (selected ones first), at most SHOWN_LIMIT of them."""
    policies = all_items(act, "ListPolicies", "Policies", {"Scope": "All"})
    catalog = aws_managed_policies()
    found = search(policies, query, lambda policy: str(policy["PolicyName"]))
    found.sort(key=lambda policy: _rank(policy["PolicyName"], policy["Arn"], query, selected))
    shown = [
        PolicyChoice(
            arn=policy["Arn"],
            name=policy["PolicyName"],
            is_aws=policy["Arn"] in catalog,
            description=_description(policy["Arn"]),
            attachments=int(policy.get("AttachmentCount", 0)),
            is_selected=policy["Arn"] in selected,
        )
        for policy in found[:SHOWN_LIMIT]
    ]
    return Picker(query, shown, len(found), selected)


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
