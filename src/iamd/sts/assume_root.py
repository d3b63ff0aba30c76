"""AssumeRoot: a privileged session on a member account of the caller's organization.

AWS grants it only to an Organizations management account (or IAM's delegated
administrator) that has centralized root access enabled, for one of AWS's root-task
policies. Every iamd account stands alone in no organization, so no caller has a
member account to act on: AssumeRoot is refused as AWS refuses a caller outside such
an organization, after the checks that come first (the root user may not call it; the
task policy must be one of AWS's five).
"""

from __future__ import annotations

from iamd.errors import AccessDenied, InvalidParameterValue
from iamd.operation import OperationContext, OperationTable, Output, Params

TASK_POLICIES = frozenset(
    {
        "IAMAuditRootUserCredentials",
        "IAMCreateRootUserPassword",
        "IAMDeleteRootUserCredentials",
        "S3UnlockBucketPolicy",
        "SQSUnlockQueuePolicy",
    }
)
TASK_POLICY_PREFIX = "iam::aws:policy/root-task/"


def assume_root(ctx: OperationContext, params: Params) -> Output:
    caller = ctx.caller
    if caller.is_root:
        raise AccessDenied("Root user credentials cannot be used to call AssumeRoot.")
    task_arn = str(params["TaskPolicyArn"].get("arn") or "")
    if not _is_task_policy(task_arn):
        raise InvalidParameterValue(f"TaskPolicyArn {task_arn} is not a root task policy.")
    raise AccessDenied(
        f"User: {caller.arn} is not authorized to perform: sts:AssumeRoot on resource: "
        f"{params['TargetPrincipal']} because centralized root access is not enabled "
        "for an organization of this account"
    )


def _is_task_policy(task_arn: str) -> bool:
    _, _, rest = task_arn.partition(":")  # "arn" : partition : …
    _, _, resource = rest.partition(":")
    return resource.startswith(TASK_POLICY_PREFIX) and (
        resource.removeprefix(TASK_POLICY_PREFIX) in TASK_POLICIES
    )


OPERATIONS: OperationTable = {"AssumeRoot": assume_root}
