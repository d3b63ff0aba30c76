"""Permissions boundaries: which policy ARNs may be set as one."""

from __future__ import annotations

from sqlalchemy import select

from iamd.arn import parse_arn
from iamd.errors import InvalidInput, NoSuchEntity
from iamd.operation import OperationContext
from iamd.store.catalog import aws_managed_policies
from iamd.store.schema import managed_policies


def managed_policy_exists(ctx: OperationContext, policy_arn: str) -> bool:
    """Whether the ARN names an AWS managed policy or one of this account's own."""
    if policy_arn in aws_managed_policies():
        return True
    query = select(managed_policies.c.id).where(
        managed_policies.c.arn == policy_arn, managed_policies.c.account_id == ctx.account_id
    )
    return ctx.conn.execute(query).first() is not None


def check_boundary_policy(ctx: OperationContext, policy_arn: str) -> None:
    arn = parse_arn(policy_arn)
    if arn is None or arn.service != "iam" or not arn.resource.startswith("policy/"):
        raise InvalidInput(f"ARN {policy_arn} is not valid.")
    if not managed_policy_exists(ctx, policy_arn):
        raise NoSuchEntity(f"Scope ARN: {policy_arn} does not exist or is not attachable.")
