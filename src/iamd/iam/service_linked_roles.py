"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole and
GetServiceLinkedRoleDeletionStatus.

A service-linked role is named and equipped by AWS's table of services
(`iamd.store.linked_services`: ``ecs.amazonaws.com`` → ``AWSServiceRoleForECS`` with
``AmazonECSServiceRolePolicy``), lives under ``/aws-service-role/<service>/``, trusts that
service's principal, and only the service may change it (`roles.check_modifiable`). A
service not in the table has no such role: AWS refuses it.
AWS deletes one asynchronously; iamd deletes at once, so every deletion task it
hands out has already succeeded.
"""

from __future__ import annotations

import re
import uuid

from iamd.errors import AccessDenied, EntityAlreadyExists, InvalidInput, NoSuchEntity
from iamd.iam.roles import TAG_KIND, new_role, store_new_role
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import attachments, roles, tags
from iamd.store.linked_services import LinkedService, find_linked_service
from iamd.store.roles import Role

SERVICE_ROLE_PATH = "/aws-service-role/"
MAX_ROLE_NAME = 64
_TASK_ID = re.compile(r"task/aws-service-role/([\w+=,.@-]+)/([\w+=,.@-]+)/[0-9a-f-]{36}")


def linked_service(service_name: str) -> LinkedService:
    """The service's row in AWS's table; AWS's error for a service that has none.

    AWS refuses such a principal with AccessDenied, whether or not the service exists
    (``account.amazonaws.com`` and ``bedrock-agentcore.amazonaws.com`` answers quoted in
    public repositories); the text has no final period.
    """
    service = find_linked_service(service_name)
    if service is None:
        raise AccessDenied(f"Cannot find Service Linked Role template for {service_name}")
    return service


def service_role_name(service: LinkedService, custom_suffix: str | None) -> str:
    if custom_suffix is None:
        return service.role_name
    if not service.allows_custom_suffix:
        raise InvalidInput(f"Custom suffix is not allowed for {service.service_name}")
    name = service.named(custom_suffix)
    if len(name) > MAX_ROLE_NAME:
        raise InvalidInput(f"Role name {name} is longer than {MAX_ROLE_NAME} characters.")
    return name


def name_taken(name: str) -> InvalidInput:
    return InvalidInput(
        f"Service role name {name} has been taken in this account, please try a different suffix."
    )


def create_service_linked_role(ctx: OperationContext, params: Params) -> Output:
    service = linked_service(params["AWSServiceName"])
    name = service_role_name(service, params.get("CustomSuffix"))
    if roles.find_role(ctx.conn, ctx.account_id, name) is not None:
        raise name_taken(name)
    description = params.get("Description")
    role = new_role(ctx, name, service.path, service.trust_policy(), description=description)
    try:
        output = store_new_role(ctx, role, [])
    except EntityAlreadyExists:  # a concurrent create took the name after we looked
        raise name_taken(name) from None
    for policy_arn in service.policy_arns(ctx.partition):
        attachments.attach(
            ctx.conn,
            ctx.account_id,
            ("role", role.role_id),
            policy_arn,
            ctx.now,
            customer_policy_id=None,  # AWS managed policies only
        )
    if role.description:
        output["Description"] = role.description
    return {"Role": output}


def service_linked_role(ctx: OperationContext, name: str) -> Role:
    role = roles.get_role(ctx.conn, ctx.account_id, name)
    if not role.path.startswith(SERVICE_ROLE_PATH):
        raise NoSuchEntity(f"Role {role.name} is not a service-linked role.")
    return role


def delete_service_linked_role(ctx: OperationContext, params: Params) -> Output:
    role = service_linked_role(ctx, params["RoleName"])
    roles.delete_role_with_policies(ctx.conn, role)
    tags.drop_all_tags(ctx.conn, TAG_KIND, role.role_id)
    # The path is /aws-service-role/<service>/, so the task id names the service.
    task_id = f"task{role.path}{role.name}/{uuid.uuid4()}"
    return {"DeletionTaskId": task_id}


def get_service_linked_role_deletion_status(ctx: OperationContext, params: Params) -> Output:
    """Deletion is immediate: a task iamd could have handed out has succeeded."""
    task_id = params["DeletionTaskId"]
    if _TASK_ID.fullmatch(task_id) is None:
        raise InvalidInput(f"Invalid deletion task id: {task_id}")
    return {"Status": "SUCCEEDED"}


OPERATIONS: OperationTable = {
    "CreateServiceLinkedRole": create_service_linked_role,
    "DeleteServiceLinkedRole": delete_service_linked_role,
    "GetServiceLinkedRoleDeletionStatus": get_service_linked_role_deletion_status,
}
