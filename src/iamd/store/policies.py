"""Customer managed policies and their versions; AWS managed ones come from the catalog.

In: `ManagedPolicy` values, policy documents as the client sent them. Out:
`ManagedPolicy` and `PolicyVersion` values, keyset `Page`s of policies by name.

# INVARIANT: policy names are unique case-insensitively per account (``name_lower``).
# INVARIANT: a policy has one to five versions, one of them the default. Writers of a
# policy's versions and tags hold its row first (`iamd.store.locks`), so two concurrent
# writers never both see room for a sixth version or delete the version the other
# makes the default, and DeletePolicy never removes what another write just added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from iamd.store import tags
from iamd.store.catalog import AwsManagedPolicy, aws_managed_policies
from iamd.store.locks import hold
from iamd.store.schema import managed_policies, policy_versions
from iamd.store.schema import tags as tag_rows

MAX_VERSIONS = 5
TAG_KIND = "policy"
AWS_ACCOUNT = "aws"


@dataclass(frozen=True)
class ManagedPolicy:
    policy_id: str
    account_id: str
    arn: str
    name: str
    path: str
    description: str | None
    default_version_id: str
    created_at: datetime
    updated_at: datetime

    @property
    def is_aws(self) -> bool:
        """Whether AWS owns the policy (from the catalog: read-only, in every account)."""
        return self.account_id == AWS_ACCOUNT


@dataclass(frozen=True)
class PolicyVersion:
    version_id: str
    document: str
    created_at: datetime


def _policy(row: Any) -> ManagedPolicy:
    return ManagedPolicy(
        policy_id=row.id,
        account_id=row.account_id,
        arn=row.arn,
        name=row.name,
        path=row.path,
        description=row.description,
        default_version_id=row.default_version_id,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


def _version(row: Any) -> PolicyVersion:
    return PolicyVersion(row.version_id, row.document, as_utc(row.created_at))


def not_found(policy_arn: str) -> NoSuchEntity:
    return NoSuchEntity(f"Policy {policy_arn} was not found.")


def version_not_found(policy_arn: str, version_id: str) -> NoSuchEntity:
    return NoSuchEntity(
        f"Policy {policy_arn} version {version_id} does not exist or is not attachable."
    )


def aws_policy(policy_arn: str) -> AwsManagedPolicy | None:
    """The AWS managed policy an ARN names, in any partition."""
    parts = policy_arn.split(":", 2)
    if len(parts) != 3 or parts[0] != "arn":
        return None
    return aws_managed_policies().get(f"arn:aws:{parts[2]}")


def from_catalog(policy: AwsManagedPolicy, partition: str) -> ManagedPolicy:
    """An AWS managed policy as a `ManagedPolicy` of the account ``aws``."""
    return ManagedPolicy(
        policy_id=policy.policy_id,
        account_id=AWS_ACCOUNT,
        arn=f"arn:{partition}:iam::aws:policy{policy.path}{policy.policy_name}",
        name=policy.policy_name,
        path=policy.path,
        description=policy.description,
        default_version_id=policy.default_version_id,
        created_at=policy.create_date,
        updated_at=policy.update_date,
    )


def resolve_policy(
    conn: Connection, account_id: str, policy_arn: str, *, partition: str
) -> ManagedPolicy:
    """The AWS managed or the account's own policy the ARN names, else "was not found"."""
    aws = aws_policy(policy_arn)
    if aws is not None:
        return from_catalog(aws, partition)
    return get_policy(conn, account_id, policy_arn)


# --- policies ---------------------------------------------------------------------------


def insert_policy(conn: Connection, policy: ManagedPolicy, document: str) -> ManagedPolicy:
    row = {
        "id": policy.policy_id,
        "account_id": policy.account_id,
        "arn": policy.arn,
        "name": policy.name,
        "name_lower": policy.name.lower(),
        "path": policy.path,
        "description": policy.description,
        "default_version_id": "v1",
        "next_version": 2,
        "created_at": policy.created_at,
        "updated_at": policy.updated_at,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(managed_policies).values(row))
    except IntegrityError:
        raise EntityAlreadyExists(
            f"A policy called {policy.name} already exists. Duplicate names are not allowed."
        ) from None
    _insert_version(conn, policy.policy_id, "v1", document, policy.created_at)
    return policy


def find_policy(conn: Connection, account_id: str, policy_arn: str) -> ManagedPolicy | None:
    """This account's policy with the ARN."""
    query = select(managed_policies).where(
        managed_policies.c.account_id == account_id, managed_policies.c.arn == policy_arn
    )
    row = conn.execute(query).first()
    return _policy(row) if row else None


def get_policy(conn: Connection, account_id: str, policy_arn: str) -> ManagedPolicy:
    policy = find_policy(conn, account_id, policy_arn)
    if policy is None:
        raise not_found(policy_arn)
    return policy


def held(conn: Connection, policy: ManagedPolicy) -> ManagedPolicy:
    """The policy as it is once its row is held: no other writer changes it until we end."""
    hold(conn, ("policy", policy.policy_id))
    row = conn.execute(select(managed_policies).where(managed_policies.c.id == policy.policy_id))
    return _policy(row.one())


def delete_policy(conn: Connection, policy: ManagedPolicy, *, is_in_use: bool) -> None:
    """Delete a `held` policy with its default version; refused while in use or with others."""
    if is_in_use:
        raise DeleteConflict("Cannot delete a policy attached to entities.")
    if len(versions_of(conn, policy.policy_id)) > 1:
        raise DeleteConflict(
            "This policy has more than one version. Before you delete a policy, you must "
            "delete the policy's versions. The default version is deleted with the policy."
        )
    conn.execute(delete(policy_versions).where(policy_versions.c.policy_id == policy.policy_id))
    conn.execute(delete(managed_policies).where(managed_policies.c.id == policy.policy_id))
    tags.drop_all_tags(conn, TAG_KIND, policy.policy_id)


def list_local(
    conn: Connection,
    account_id: str,
    *,
    path_prefix: str,
    after: tuple[str, str] | None,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[ManagedPolicy]:
    """Up to ``limit`` of the account's policies after the key (name_lower, arn), in order."""
    name_key, arn_key = (
        binary(conn, managed_policies.c.name_lower),
        binary(conn, managed_policies.c.arn),
    )
    query = select(managed_policies).where(managed_policies.c.account_id == account_id, *where)
    if path_prefix != "/":
        query = query.where(managed_policies.c.path.startswith(path_prefix, autoescape=True))
    if after is not None:
        query = query.where(
            or_(name_key > after[0], and_(name_key == after[0], arn_key > after[1]))
        )
    rows = conn.execute(query.order_by(name_key, arn_key).limit(limit)).all()
    return [_policy(row) for row in rows]


def binary(conn: Connection, column: ColumnElement[str]) -> ColumnElement[str]:
    """The column compared byte by byte, as Python compares the catalog's names.

    PostgreSQL's default collation may order ``a-b`` and ``ab`` otherwise; SQLite's
    default (BINARY) already compares bytes.
    """
    return column.collate("C") if conn.dialect.name == "postgresql" else column


# --- versions ---------------------------------------------------------------------------


def _insert_version(
    conn: Connection, policy_id: str, version_id: str, document: str, when: datetime
) -> PolicyVersion:
    row = {"policy_id": policy_id, "version_id": version_id, "document": document}
    conn.execute(insert(policy_versions).values({**row, "created_at": when}))
    return PolicyVersion(version_id, document, when)


def version_number(version_id: str) -> int:
    return int(version_id[1:].split(".")[0])


def versions_of(conn: Connection, policy_id: str) -> list[PolicyVersion]:
    """A policy's versions, newest first (AWS's order)."""
    query = select(policy_versions).where(policy_versions.c.policy_id == policy_id)
    found = [_version(row) for row in conn.execute(query)]
    return sorted(found, key=lambda v: version_number(v.version_id), reverse=True)


def find_version(conn: Connection, policy_id: str, version_id: str) -> PolicyVersion | None:
    query = select(policy_versions).where(
        policy_versions.c.policy_id == policy_id, policy_versions.c.version_id == version_id
    )
    row = conn.execute(query).first()
    return _version(row) if row else None


def add_version(
    conn: Connection, policy: ManagedPolicy, document: str, when: datetime, *, set_default: bool
) -> PolicyVersion:
    """A new version ``v<n+1>`` of a `held` policy; a sixth is AWS's LimitExceeded."""
    where = managed_policies.c.id == policy.policy_id
    conn.execute(
        update(managed_policies)
        .where(where)
        .values(next_version=managed_policies.c.next_version + 1)
    )
    number = conn.execute(select(managed_policies.c.next_version).where(where)).scalar_one() - 1
    if len(versions_of(conn, policy.policy_id)) >= MAX_VERSIONS:
        raise LimitExceeded(
            f"A managed policy can have up to {MAX_VERSIONS} versions. Before you create a "
            "new version, you must delete an existing version."
        )
    version = _insert_version(conn, policy.policy_id, f"v{number}", document, when)
    values: dict[str, Any] = {"updated_at": when}
    if set_default:
        values["default_version_id"] = version.version_id
    conn.execute(update(managed_policies).where(where).values(values))
    return version


def delete_version(conn: Connection, policy: ManagedPolicy, version_id: str) -> None:
    """Delete a non-default version of a `held` policy."""
    if find_version(conn, policy.policy_id, version_id) is None:
        raise version_not_found(policy.arn, version_id)
    if version_id == policy.default_version_id:
        raise DeleteConflict("Cannot delete the default version of a policy.")
    conn.execute(
        delete(policy_versions).where(
            policy_versions.c.policy_id == policy.policy_id,
            policy_versions.c.version_id == version_id,
        )
    )
    newest = max(v.created_at for v in versions_of(conn, policy.policy_id))
    _update(conn, policy.policy_id, updated_at=newest)


def set_default_version(conn: Connection, policy: ManagedPolicy, version_id: str) -> None:
    """Make a version of a `held` policy its default."""
    if find_version(conn, policy.policy_id, version_id) is None:
        raise version_not_found(policy.arn, version_id)
    _update(conn, policy.policy_id, default_version_id=version_id)


def _update(conn: Connection, policy_id: str, **values: Any) -> None:
    conn.execute(update(managed_policies).where(managed_policies.c.id == policy_id).values(values))


def default_document(conn: Connection, policy_arn: str) -> str | None:
    """The default version's document of an AWS or customer managed policy."""
    found = default_version(conn, policy_arn)
    return found[1] if found is not None else None


def default_version(conn: Connection, policy_arn: str) -> tuple[str, str] | None:
    """(version id, document) of a managed policy's default version, if it exists."""
    aws = aws_policy(policy_arn)
    if aws is not None:
        return aws.default_version_id, aws.document
    query = (
        select(policy_versions.c.version_id, policy_versions.c.document)
        .join(managed_policies, managed_policies.c.id == policy_versions.c.policy_id)
        .where(
            managed_policies.c.arn == policy_arn,
            policy_versions.c.version_id == managed_policies.c.default_version_id,
        )
    )
    row = conn.execute(query).first()
    return (str(row.version_id), str(row.document)) if row is not None else None


# --- tags -------------------------------------------------------------------------------
# Unlike other entities' tags, a policy's tag keys are case-sensitive (AWS keeps ``a`` and
# ``A`` apart), so the shared tags table's ``key_lower`` holds the key exactly as given.


def policy_tags(conn: Connection, policy_id: str) -> list[tags.Tag]:
    """In the order they were added, as GetPolicy and CreatePolicy answer."""
    return tags.tags_of(conn, TAG_KIND, policy_id)


def check_unique_keys(new_tags: Sequence[tags.Tag]) -> None:
    keys = [key for key, _ in new_tags]
    if len(set(keys)) != len(keys):
        raise InvalidInput("Duplicate tag keys found.")


def add_policy_tags(
    conn: Connection, account_id: str, policy_id: str, new_tags: Sequence[tags.Tag]
) -> None:
    check_unique_keys(new_tags)
    hold(conn, ("policy", policy_id))
    current = {key for key, _ in policy_tags(conn, policy_id)}
    if len(current | {key for key, _ in new_tags}) > tags.MAX_TAGS:
        raise LimitExceeded("The number of tags has reached the maximum limit.")
    where = (tag_rows.c.entity_kind == TAG_KIND, tag_rows.c.entity_id == policy_id)
    top = conn.execute(select(func.coalesce(func.max(tag_rows.c.position), 0)).where(*where))
    position = int(top.scalar_one())
    for key, value in new_tags:
        if key in current:
            conn.execute(
                update(tag_rows).where(*where, tag_rows.c.key_lower == key).values(value=value)
            )
            continue
        position += 1
        row: dict[str, Any] = {"entity_kind": TAG_KIND, "entity_id": policy_id, "key": key}
        row.update(key_lower=key, account_id=account_id, value=value, position=position)
        conn.execute(insert(tag_rows).values(row))


def remove_policy_tags(conn: Connection, policy_id: str, keys: Sequence[str]) -> None:
    conn.execute(
        delete(tag_rows).where(
            tag_rows.c.entity_kind == TAG_KIND,
            tag_rows.c.entity_id == policy_id,
            tag_rows.c.key_lower.in_(list(keys)),
        )
    )
