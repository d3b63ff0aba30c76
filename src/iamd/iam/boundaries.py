"""Permissions boundaries: which policy ARNs may be set as one."""

from __future__ import annotations

from sqlalchemy import select

from iamd.arn import parse_arn
from iamd.errors import InvalidInput, NoSuchEntity
from iamd.operation import OperationContext
from iamd.store.catalog import aws_managed_policies
from iamd.store.locks import hold
from iamd.store.schema import managed_policies


def check_boundary_policy(ctx: OperationContext, policy_arn: str) -> str | None:
    """Refuse an ARN no boundary can be; the account's own policy's id, None for AWS's."""
    arn = parse_arn(policy_arn)
    if arn is None or arn.service != "iam" or not arn.resource.startswith("policy/"):
        raise InvalidInput(f"ARN {policy_arn} is not valid.")
    if policy_arn in aws_managed_policies():
        return None
    query = select(managed_policies.c.id).where(
        managed_policies.c.arn == policy_arn, managed_policies.c.account_id == ctx.account_id
    )
    policy_id = ctx.conn.execute(query).scalar_one_or_none()
    if policy_id is None:
        raise NoSuchEntity(f"Scope ARN: {policy_arn} does not exist or is not attachable.")
    return str(policy_id)


def hold_boundary_policy(ctx: OperationContext, policy_arn: str) -> None:
    """Check a new entity's boundary and hold its policy, so DeletePolicy sees the use."""
    policy_id = check_boundary_policy(ctx, policy_arn)
    if policy_id is not None:
        hold(ctx.conn, ("policy", policy_id))
