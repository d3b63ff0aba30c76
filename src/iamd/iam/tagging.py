"""Tags, shared by every taggable family: the Tag/Untag/List…Tags operations and shapes.

A family says how to find its entity from the request (raising its own NoSuchEntity)
and under which kind its tags are stored; `tag_operations` gives back AWS's three
operations for it. Tags are input and output as AWS's ``Tag`` shape (Key, Value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import tags

DEFAULT_MAX_ITEMS = 100

EntityLocator = Callable[[OperationContext, Params], str]
"""(context, input) → the id under which the entity's tags are stored."""


def tags_output(pairs: list[tags.Tag]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in pairs]


def tags_input(params: Params) -> list[tags.Tag]:
    return [(tag["Key"], tag["Value"]) for tag in params.get("Tags") or []]


def paged_tags(pairs: list[tags.Tag], params: Params) -> Output:
    """Tag lists are short (fifty at most): a marker here is the index to resume at."""
    marker = str(params.get("Marker") or "0")
    start = int(marker) if marker.isascii() and marker.isdigit() else 0
    limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    chunk = pairs[start : start + limit]
    output: dict[str, Any] = {"Tags": tags_output(chunk), "IsTruncated": start + limit < len(pairs)}
    if output["IsTruncated"]:
        output["Marker"] = str(start + limit)
    return output


def tag_operations(
    noun: str, kind: str, locate: EntityLocator, *, locate_to_tag: EntityLocator | None = None
) -> OperationTable:
    """``Tag<noun>``, ``Untag<noun>`` and ``List<noun>Tags`` for one taggable family.

    ``locate_to_tag``: how ``Tag<noun>`` finds the entity, if not as the others do (a
    find that already holds the row `tags.add_tags` holds).
    """

    def tag(ctx: OperationContext, params: Params) -> Output:
        entity_id = (locate_to_tag or locate)(ctx, params)
        tags.add_tags(ctx.conn, ctx.account_id, kind, entity_id, tags_input(params))
        return {}

    def untag(ctx: OperationContext, params: Params) -> Output:
        entity_id = locate(ctx, params)
        tags.remove_tags(ctx.conn, kind, entity_id, params["TagKeys"])
        return {}

    def list_tags(ctx: OperationContext, params: Params) -> Output:
        return paged_tags(tags.tags_of(ctx.conn, kind, locate(ctx, params)), params)

    return {f"Tag{noun}": tag, f"Untag{noun}": untag, f"List{noun}Tags": list_tags}
