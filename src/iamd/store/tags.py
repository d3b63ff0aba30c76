"""Tags of any taggable entity, kept in the order they were given.

# INVARIANT: tag keys are unique case-insensitively per entity (AWS: "Tag keys are
# case insensitive"); a new value for an existing key replaces it in place.
# INVARIANT: ``entity_kind`` names a kind of `iamd.store.locks` (the tagged row's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from iamd.errors import InvalidInput, LimitExceeded
from iamd.store.locks import hold
from iamd.store.prepared import Prepared
from iamd.store.schema import tags

MAX_TAGS = 50

Tag = tuple[str, str]


_TAGS_OF = Prepared(
    select(tags.c.key, tags.c.value)
    .where(tags.c.entity_kind == bindparam("kind"), tags.c.entity_id == bindparam("entity_id"))
    .order_by(tags.c.position)
)


# What adding needs: each key's value, and the last position (rows come in order).
_POSITIONS_OF = Prepared(
    select(tags.c.key_lower, tags.c.value, tags.c.position)
    .where(tags.c.entity_kind == bindparam("kind"), tags.c.entity_id == bindparam("entity_id"))
    .order_by(tags.c.position)
)


def tags_of(conn: Connection, entity_kind: str, entity_id: str) -> list[Tag]:
    rows = _TAGS_OF.rows(conn, {"kind": entity_kind, "entity_id": entity_id})
    return [(row.key, row.value) for row in rows]


def check_unique_keys(new_tags: Sequence[Tag]) -> None:
    lowered = [key.lower() for key, _ in new_tags]
    if len(set(lowered)) != len(lowered):
        raise InvalidInput(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )


_SET_VALUE = Prepared(
    update(tags)
    .where(
        # Not the columns' own names: an UPDATE keeps those for its SET clause.
        tags.c.entity_kind == bindparam("of_kind"),
        tags.c.entity_id == bindparam("of_entity"),
        tags.c.key_lower == bindparam("of_key"),
    )
    .values(value=bindparam("new_value"))
)
_INSERT = Prepared(insert(tags))


def add_tags(
    conn: Connection, account_id: str, entity_kind: str, entity_id: str, new_tags: Sequence[Tag]
) -> None:
    """Add or replace tags; more than fifty in all is AWS's LimitExceeded.

    The entity's row is held first, so concurrent adds neither pass the quota together
    nor insert the same new key twice, and a concurrent delete sees the tags.
    """
    check_unique_keys(new_tags)
    hold(conn, (entity_kind, entity_id))
    rows = _POSITIONS_OF.rows(conn, {"kind": entity_kind, "entity_id": entity_id})
    current = {row.key_lower: row.value for row in rows}
    added = [t for t in new_tags if t[0].lower() not in current]
    if len(current) + len(added) > MAX_TAGS:
        raise LimitExceeded("The number of tags has reached the maximum limit.")
    next_position = (rows[-1].position if rows else 0) + 1
    for key, value in new_tags:
        if key.lower() in current:
            if current[key.lower()] != value:  # the same value again changes nothing
                changed = {"of_kind": entity_kind, "of_entity": entity_id, "new_value": value}
                _SET_VALUE.run(conn, {**changed, "of_key": key.lower()})
            continue
        row = {
            "account_id": account_id,
            "entity_kind": entity_kind,
            "entity_id": entity_id,
            "key": key,
            "key_lower": key.lower(),
            "value": value,
            "position": next_position,
        }
        _INSERT.run(conn, row)
        next_position += 1


def new_tags_insert(
    account_id: str, entity_kind: str, entity_id: str, new_tags: Sequence[Tag]
) -> tuple[Prepared, dict[str, object]] | None:
    """The insert of the tags of an entity this transaction creates, and its parameters
    (None for no tags). It has none yet, and until the transaction commits no other
    can see it to add any, so there is nothing to hold or read first (as `add_tags`
    must).

    Inserted before the entity's own row, each tag's version trigger finds no row to
    bump: a new entity's version needs none (no cache holds what did not exist), and
    on PostgreSQL each bump would be a row update and a notification. Should the
    entity's insert fail (its name taken), the transaction and its tags roll back.
    """
    check_unique_keys(new_tags)
    if len(new_tags) > MAX_TAGS:
        raise LimitExceeded("The number of tags has reached the maximum limit.")
    if not new_tags:
        return None
    values: dict[str, object] = {
        "account_id": account_id,
        "entity_kind": entity_kind,
        "entity_id": entity_id,
    }
    for position, (key, value) in enumerate(new_tags, start=1):
        per_tag = (key, key.lower(), value, position)
        values.update((f"{name}_{position}", v) for name, v in zip(_PER_TAG, per_tag, strict=True))
    return _insert_of(len(new_tags)), values


def _insert_of(count: int) -> Prepared:
    """One INSERT of ``count`` tags of one entity: on PostgreSQL one round trip, not
    one per tag."""
    prepared = _INSERTS.get(count)
    if prepared is None:
        rows: list[dict[str, Any]] = [
            {
                "account_id": bindparam("account_id"),
                "entity_kind": bindparam("entity_kind"),
                "entity_id": bindparam("entity_id"),
                **{name: bindparam(f"{name}_{n}") for name in _PER_TAG},
            }
            for n in range(1, count + 1)
        ]
        prepared = _INSERTS.setdefault(count, Prepared(insert(tags).values(rows)))
    return prepared


_PER_TAG = ("key", "key_lower", "value", "position")
_INSERTS: dict[int, Prepared] = {}  # by the number of tags: at most MAX_TAGS statements


def remove_tags(conn: Connection, entity_kind: str, entity_id: str, keys: Sequence[str]) -> None:
    lowered = [key.lower() for key in keys]
    conn.execute(
        delete(tags).where(
            tags.c.entity_kind == entity_kind,
            tags.c.entity_id == entity_id,
            tags.c.key_lower.in_(lowered),
        )
    )


def drop_all_tags(conn: Connection, entity_kind: str, entity_id: str) -> None:
    conn.execute(
        delete(tags).where(tags.c.entity_kind == entity_kind, tags.c.entity_id == entity_id)
    )
