"""Role templates: AcquireRole and GetRoleTemplateVersion.

A role template is published by an AWS service (``ManagedByType`` is ``Service``) and
an account creates roles from it. iamd runs no AWS service that publishes templates,
so no template ARN names one: both operations answer as AWS does for an unknown
template (NoSuchEntity), and AcquireRole creates nothing.
"""

from __future__ import annotations

from iamd.errors import NoSuchEntity
from iamd.operation import OperationContext, OperationTable, Output, Params


def unknown_template(ctx: OperationContext, params: Params) -> Output:
    raise NoSuchEntity(f"Role template {params['TemplateArn']} not found.")


OPERATIONS: OperationTable = {
    "AcquireRole": unknown_template,
    "GetRoleTemplateVersion": unknown_template,
}
