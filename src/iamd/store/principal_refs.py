"""Principals named in stored trust policies are who they were when the policy was saved.

AWS binds an IAM user or role named in a trust (or other resource-based) policy to
that principal's unique id: a user deleted and created again under the same name is
someone else, and the policy then shows the old principal's unique id where its ARN
was. iamd does the same in two steps: a policy may only name IAM users and roles that
exist (in the accounts iamd holds) when it is saved, and deleting a user or role
rewrites every stored trust policy (and bucket policy) that names it to name its
unique id instead, in the deleting transaction — so no later namesake can ever match it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, Connection, func, select, update

from iamd.arn import parse_arn
from iamd.policy import parse_policy
from iamd.store.schema import accounts, roles, s3_buckets, users

_TABLES = {"user": users, "role": roles}


def missing_principal(conn: Connection, document: str) -> str | None:
    """The first IAM user or role ARN the policy names that does not exist, if any."""
    for arn in _aws_principals(document):
        found = _entity_named(conn, arn)
        if found is False:
            return arn
    return None


def forget_principal(conn: Connection, account_id: str, resource: str, unique_id: str) -> None:
    """Rewrite every trust and bucket policy naming the principal to name ``unique_id``.

    ``resource`` is the ARN's resource part (``user/team/alice``), in any partition.
    """
    names = _Names(account_id, resource)
    for key, column in (
        (roles.c.id, roles.c.trust_policy),
        (s3_buckets.c.name, s3_buckets.c.policy),
    ):
        _forget_in(conn, key, column, names, unique_id)


def _forget_in(
    conn: Connection, key: Column[str], column: Column[str], names: _Names, unique_id: str
) -> None:
    name = names.resource.rsplit("/", 1)[-1].lower()
    candidates = select(key, column).where(func.lower(column).contains(name, autoescape=True))
    for row_key, text in conn.execute(candidates).all():
        rewritten = _rewritten(text, names, unique_id)
        if rewritten is not None:
            conn.execute(update(key.table).where(key == row_key).values({column.name: rewritten}))


def _aws_principals(document: str) -> Iterator[str]:
    for statement in parse_policy(document).statements:
        for spec in (statement.principal, statement.not_principal):
            if spec is None:
                continue
            for principal_type, identifiers in spec.entries:
                if principal_type == "AWS":
                    yield from identifiers


def _entity_named(conn: Connection, text: str) -> bool | None:
    """True/False: the IAM user or role exists or not; None: not one iamd can check."""
    arn = parse_arn(text)
    if arn is None or arn.service != "iam":
        return None
    kind, _, rest = arn.resource.partition("/")
    table = _TABLES.get(kind)
    if table is None or not rest:
        return None
    held = conn.execute(select(accounts.c.id).where(accounts.c.id == arn.account)).first()
    if held is None:
        return None  # an account iamd does not hold: nothing to check against
    path, _, name = ("/" + rest).rpartition("/")
    query = select(table.c.path).where(
        table.c.account_id == arn.account, table.c.name_lower == name.lower()
    )
    stored_path = conn.execute(query).scalar_one_or_none()
    return stored_path is not None and stored_path == path + "/"


class _Names:
    """Whether a principal string is the ARN of one IAM user or role."""

    def __init__(self, account_id: str, resource: str) -> None:
        self.account_id = account_id
        self.resource = resource

    def __call__(self, value: object) -> bool:
        arn = parse_arn(value) if isinstance(value, str) else None
        return (
            arn is not None
            and arn.service == "iam"
            and arn.account == self.account_id
            and arn.resource == self.resource
        )


def _rewritten(text: str, arn: _Names, unique_id: str) -> str | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    changed = False
    statements = document.get("Statement") if isinstance(document, dict) else None
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element)
            if isinstance(principal, dict) and "AWS" in principal:
                principal["AWS"], replaced = _replace(principal["AWS"], arn, unique_id)
                changed = changed or replaced
    return json.dumps(document) if changed else None


def _replace(value: Any, arn: _Names, unique_id: str) -> tuple[Any, bool]:
    if isinstance(value, str):
        return (unique_id, True) if arn(value) else (value, False)
    if isinstance(value, list):
        replaced = [unique_id if arn(item) else item for item in value]
        return replaced, replaced != value
    return value, False
