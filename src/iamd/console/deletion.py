"""Deleting the way AWS's console does: everything that hangs on an entity goes with it.

The API refuses to delete a user that still has keys, a password, groups or policies
(DeleteConflict); the console removes them first, after one confirmation that lists
them. A `Plan` is that list: the calls to make, in order, each with the line the
confirmation page shows. Every call runs as the signed-in principal, so each is
authorized as the API would authorize it, and `carry_out` makes them all in one
savepoint: a call that is refused leaves everything as it was.

In: an `Actor` and the entity's name (or ARN). Out: a `Plan`, whose ``unlisted``
holds the listings the caller was not allowed to make (the page says what it could
not check).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from iamd.console.actions import Actor
from iamd.errors import ServiceError


@dataclass(frozen=True)
class Call:
    """One operation of a deletion, and how the confirmation page describes it."""

    effect: str  # "Delete access key AKIA…"
    operation: str
    params: dict[str, Any]


@dataclass
class Plan:
    calls: list[Call] = field(default_factory=list)
    unlisted: list[ServiceError] = field(default_factory=list)

    @property
    def effects(self) -> list[str]:
        return [call.effect for call in self.calls]

    def add(self, effect: str, operation: str, **params: Any) -> None:
        self.calls.append(Call(effect, operation, params))

    def listed(self, act: Actor, operation: str, params: dict[str, Any], member: str) -> list[Any]:
        """``member`` of the listing, or nothing (and a note) when the caller may not list."""
        try:
            items: list[Any] = act(operation, {**params, "MaxItems": 1000})[member]
        except ServiceError as error:
            self.unlisted.append(error)
            return []
        return items

    def each(
        self, items: Iterable[Any], effect: Callable[[Any], str], operation: str, **params: Any
    ) -> None:
        """One call per item; a param given as a callable is read from the item."""
        for item in items:
            values = {
                key: value(item) if callable(value) else value for key, value in params.items()
            }
            self.add(effect(item), operation, **values)


def carry_out(act: Actor, plan: Plan) -> None:
    """Make every call of the plan, all or none (one savepoint)."""
    with act.conn.begin_nested():
        for call in plan.calls:
            act(call.operation, call.params)
