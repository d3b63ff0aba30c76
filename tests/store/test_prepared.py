"""Statements run through the driver give exactly the rows SQLAlchemy gives.

`Prepared` skips SQLAlchemy's execution machinery for the hottest reads, so these
tests run each such statement both ways on a live server's store (SQLite or
PostgreSQL, as the suite runs) and compare every value, types included.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, String, Table, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from iamd.errors import ConcurrentModification
from iamd.store import attachments, groups, kept_connections, pages, roles, tags, users
from iamd.store.database import Database
from iamd.store.prepared import Prepared
from iamd.store.schema import policy_attachments
from iamd.store.schema import tags as tags_table
from iamd.store.schema import users as users_table
from store.test_kept_connections import lose_kept_connection
from support import IamdServer


@pytest.fixture
def db(server: IamdServer) -> Iterator[Database]:
    database, _ = server.open_store()
    yield database
    database.dispose()


@pytest.fixture
def people(iam: Any) -> list[str]:
    names = ["Ana", "bob", "Cy_1", "dee.x"]
    for name in names:
        iam.create_user(UserName=name, Path="/team/", Tags=[{"Key": "k", "Value": name}])
    iam.tag_user(UserName="bob", Tags=[{"Key": "z", "Value": ""}, {"Key": "a", "Value": "1"}])
    return names


def both_ways(db: Database, prepared: Prepared, parameters: dict[str, Any]) -> tuple[Any, Any]:
    with db.transaction(write=False) as conn:
        fast = [tuple(row) for row in prepared.rows(conn, parameters)]
        usual = [tuple(row) for row in conn.execute(prepared.statement, parameters)]
    return fast, usual


def test_a_named_user_and_its_tags(db: Database, people: list[str], account: Any) -> None:
    for name in people:
        fast, usual = both_ways(
            db, users._FIND_USER, {"account_id": account.account_id, "name": name.lower()}
        )
        assert fast == usual and len(fast) == 1
        assert [type(value) for value in fast[0]] == [type(value) for value in usual[0]]
        assert any(isinstance(value, datetime) for value in fast[0])
        user_id = fast[0][0]
        fast, usual = both_ways(db, tags._TAGS_OF, {"kind": "user", "entity_id": user_id})
        assert fast == usual and fast


def test_every_page_shape(db: Database, people: list[str], account: Any) -> None:
    for under_path in (False, True):
        for after_marker in (False, True):
            prepared = pages._page_statement(
                users._USERS_OF_ACCOUNT, users_table, under_path, after_marker
            )
            parameters = {"account_id": account.account_id, "page_limit": 3}
            if under_path:
                parameters["path_like"] = pages._escape_like("/te") + "%"
            if after_marker:
                parameters["page_after"] = "bob"
            fast, usual = both_ways(db, prepared, parameters)
            assert fast == usual and fast


def test_a_parameter_the_driver_cannot_take_is_converted_as_sqlalchemy_would(
    db: Database, people: list[str]
) -> None:
    # SQLite stores times as text, which SQLAlchemy writes; psycopg takes a datetime.
    created = users_table.c.created_at
    since = select(users_table.c.name).where(created > bindparam("since", type_=created.type))
    with db.transaction(write=False) as conn:
        created_at = [row.created_at for row in conn.execute(select(users_table))]
    middle = sorted(created_at)[len(created_at) // 2]
    for moment in (datetime(2000, 1, 1, tzinfo=UTC), middle, datetime(2999, 1, 1, tzinfo=UTC)):
        fast, usual = both_ways(db, Prepared(since), {"since": moment})
        assert fast == usual
    assert both_ways(db, Prepared(since), {"since": datetime(2000, 1, 1, tzinfo=UTC)})[0]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(db: Database) -> None:
    """So that `Database.transaction` still tells a lost race from a fault."""
    missing = Table("no_such_table", MetaData(), Column("id", String))
    with db.transaction(write=False) as conn:
        with pytest.raises(DBAPIError) as raised:
            Prepared(select(missing).where(missing.c.id == bindparam("id"))).rows(conn, {"id": "x"})
        assert type(raised.value.orig).__name__ in ("OperationalError", "UndefinedTable")


def _tag_row(
    db: Database, account: Any, user_name: str, *, value: str, position: int
) -> tuple[str, dict[str, Any]]:
    """A user's id, and a tag row of that user without its key (each test names one)."""
    with db.transaction(write=False) as conn:
        found = users._FIND_USER.first(conn, {"account_id": account.account_id, "name": user_name})
    row = {"account_id": account.account_id, "entity_kind": "user", "entity_id": found[0],
           "value": value, "position": position}  # fmt: skip
    return found[0], row


def test_a_tag_written_through_the_driver_is_what_sqlalchemy_writes(
    db: Database, people: list[str], account: Any
) -> None:
    """`run`: the insert and the update of a tag, each beside SQLAlchemy's own, agree."""
    user_id, row = _tag_row(db, account, "bob", value="v", position=90)
    with db.transaction() as conn:
        tags._INSERT.run(conn, {**row, "key": "Fast", "key_lower": "fast"})
        conn.execute(tags._INSERT.statement, {**row, "key": "Usual", "key_lower": "usual"})
        where = {"of_kind": "user", "of_entity": user_id, "new_value": "changed"}
        changed_fast = tags._SET_VALUE.run(conn, {**where, "of_key": "fast"})
        changed_usual = conn.execute(tags._SET_VALUE.statement, {**where, "of_key": "usual"})
        missed = tags._SET_VALUE.run(conn, {**where, "of_key": "absent"})
    assert (changed_fast, changed_usual.rowcount, missed) == (1, 1, 0)
    with db.transaction(write=False) as conn:
        values = dict(tags.tags_of(conn, "user", user_id))
    assert values["Fast"] == values["Usual"] == "changed"


def test_a_refused_constraint_through_the_driver_is_sqlalchemy_s_integrity_error(
    db: Database, people: list[str], account: Any
) -> None:
    """A duplicate tag key is a lost race to `Database.transaction`, as before."""
    _, row = _tag_row(db, account, "ana", value="again", position=99)
    row.update(key="k", key_lower="k")  # the user's tag "k" is already there
    with pytest.raises(ConcurrentModification) as raised, db.transaction() as conn:
        tags._INSERT.run(conn, row)
    assert isinstance(raised.value.__context__, IntegrityError)  # as SQLAlchemy raises it


def test_statements_through_the_driver_go_on_after_a_refusal_and_a_lost_connection(
    db: Database, people: list[str], account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a connection keeps one cursor for these statements (SQLite makes one
    for each): it serves on after a statement of its own was refused, and a connection
    that replaced one the server ended has a cursor of its own."""
    monkeypatch.setattr(kept_connections, "PING_AFTER_IDLE", 0.0)
    where = {"account_id": account.account_id, "name": "dee.x"}
    _, row = _tag_row(db, account, "dee.x", value="again", position=98)
    row.update(key="k", key_lower="k")  # the user's tag "k" is already there
    with pytest.raises(ConcurrentModification), db.transaction() as conn:
        assert users._FIND_USER.first(conn, where) is not None
        tags._INSERT.run(conn, row)
    with db.transaction() as conn:
        assert users._FIND_USER.first(conn, where) is not None
    first = lose_kept_connection(db, write=True)
    with db.transaction() as conn:
        assert conn.connection.dbapi_connection is not first
        assert users._FIND_USER.first(conn, where) is not None


def test_an_attachment_written_through_the_driver_is_what_sqlalchemy_writes(
    db: Database, people: list[str], account: Any
) -> None:
    """A converted parameter (the time) on the way in; `run`'s count of a delete."""
    with db.transaction(write=False) as conn:
        ids = [
            users._FIND_USER.first(conn, {"account_id": account.account_id, "name": name})[0]
            for name in ("ana", "bob")
        ]
    when = datetime(2026, 12, 5, 11, 30, 15, 123456, tzinfo=UTC)
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    owner = {"account_id": account.account_id, "principal_kind": "user"}
    rows = [{**owner, "principal_id": i, "policy_arn": arn, "attached_at": when} for i in ids]
    with db.transaction() as conn:
        attachments._ATTACH.run(conn, rows[0])
        conn.execute(attachments._ATTACH.statement, rows[1])
    table = policy_attachments.c
    with db.transaction(write=False) as conn:
        stored = conn.execute(
            select(table.principal_id, table.attached_at).where(table.principal_id.in_(ids))
        ).all()
    times = [moment for _, moment in stored]
    assert len(times) == 2 and times[0] == times[1]  # the same, each way (SQLite: naive)
    assert times[0].replace(tzinfo=times[0].tzinfo or UTC) == when
    for user_id in ids:
        fast, usual = both_ways(
            db, attachments._ATTACHED_ARNS, {"kind": "user", "principal_id": user_id}
        )
        assert fast == usual == [(arn,)]
    with db.transaction() as conn:
        owned = {"kind": "user", "principal_id": ids[0], "policy_arn": arn}
        assert attachments._DETACH.run(conn, owned) == 1
        assert attachments._DETACH.run(conn, owned) == 0


def test_a_named_role(db: Database, iam: Any, account: Any) -> None:
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
    trust += '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    iam.create_role(RoleName="Prepared-Role", AssumeRolePolicyDocument=trust, Description="d")
    parameters = {"account_id": account.account_id, "name": "prepared-role"}
    fast, usual = both_ways(db, roles._FIND_ROLE, parameters)
    assert fast == usual and len(fast) == 1
    assert [type(value) for value in fast[0]] == [type(value) for value in usual[0]]
    with db.transaction(write=False) as conn:
        found = roles.find_role(conn, account.account_id, "PREPARED-ROLE")
    assert found is not None and found.name == "Prepared-Role" and found.description == "d"


def test_a_named_group_and_a_membership(
    db: Database, iam: Any, people: list[str], account: Any
) -> None:
    iam.create_group(GroupName="Prepared-Group", Path="/team/")
    iam.add_user_to_group(GroupName="prepared-group", UserName="bob")
    parameters = {"account_id": account.account_id, "name": "prepared-group"}
    fast, usual = both_ways(db, groups._FIND_GROUP, parameters)
    assert fast == usual and len(fast) == 1
    assert [type(value) for value in fast[0]] == [type(value) for value in usual[0]]
    with db.transaction(write=False) as conn:
        bob = users._FIND_USER.first(conn, {"account_id": account.account_id, "name": "bob"})
    fast, usual = both_ways(db, groups._MEMBERSHIPS_OF_USER, {"user_id": bob[0]})
    assert fast == usual == [(fast[0][0],)]
    iam.remove_user_from_group(GroupName="Prepared-Group", UserName="bob")
    assert both_ways(db, groups._MEMBERSHIPS_OF_USER, {"user_id": bob[0]}) == ([], [])


def test_a_new_entity_s_tags_in_one_statement_are_what_sqlalchemy_writes(
    db: Database, people: list[str], account: Any
) -> None:
    """`new_tags_insert`'s one multi-row insert stores each tag as one insert per tag
    does."""
    new_tags = [("Team", "a"), ("cost-Centre", ""), ("é", "ü" * 256)]
    with db.transaction() as conn:
        fast_id = users._FIND_USER.first(conn, {"account_id": account.account_id, "name": "ana"})[0]
        usual_id = users._FIND_USER.first(conn, {"account_id": account.account_id, "name": "cy_1"})[
            0
        ]
        tags.drop_all_tags(conn, "user", fast_id)
        tags.drop_all_tags(conn, "user", usual_id)
        insert_tags = tags.new_tags_insert(account.account_id, "user", fast_id, new_tags)
        assert insert_tags is not None
        insert_tags[0].run(conn, insert_tags[1])
        for position, (key, value) in enumerate(new_tags, start=1):
            conn.execute(
                tags._INSERT.statement,
                {"account_id": account.account_id, "entity_kind": "user", "entity_id": usual_id,
                 "key": key, "key_lower": key.lower(), "value": value, "position": position},
            )  # fmt: skip
    columns = select(tags_table).where(tags_table.c.entity_id == bindparam("id"))
    with db.transaction(write=False) as conn:
        fast = [row._asdict() for row in conn.execute(columns, {"id": fast_id})]
        usual = [row._asdict() for row in conn.execute(columns, {"id": usual_id})]
        listed = tags.tags_of(conn, "user", fast_id)
    assert [{**row, "entity_id": None} for row in fast] == [
        {**row, "entity_id": None} for row in usual
    ]
    assert listed == new_tags
