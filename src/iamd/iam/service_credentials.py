"""Service-specific credentials (CodeCommit Git credentials, Amazon Keyspaces):
CreateServiceSpecificCredential, ListServiceSpecificCredentials,
ResetServiceSpecificCredential, UpdateServiceSpecificCredential,
DeleteServiceSpecificCredential.

A credential is a generated user name (``<user>-at-<account>``) and password for one
service. The password is returned by Create and Reset only; at rest it is sealed.
The user name is fixed at creation: renaming the IAM user does not change it.
"""

from __future__ import annotations

import base64
import secrets

from iamd import ids
from iamd.errors import LimitExceeded, NoSuchEntity, ValidationError
from iamd.iam.credentials import list_page, owned_credential
from iamd.iam.users import target_user
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.store import user_credentials, users
from iamd.store.locks import hold
from iamd.store.user_credentials import SERVICE, Credential
from iamd.store.users import User

SUPPORTED_SERVICES = frozenset({"codecommit.amazonaws.com", "cassandra.amazonaws.com"})
MAX_PER_SERVICE = 2


def not_found(credential_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"No such credential {credential_id} exists")


def check_service(service_name: str) -> None:
    if service_name not in SUPPORTED_SERVICES:
        raise NoSuchEntity(
            f"No such service {service_name} is supported for Service Specific Credentials"
        )


def new_password() -> str:
    """44 characters of base64, the length of the passwords AWS generates."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def metadata_output(credential: Credential) -> Output:
    return {
        "UserName": credential.user_name,
        "Status": credential.status,
        "ServiceUserName": credential.service_user_name,
        "CreateDate": credential.created_at,
        "ServiceSpecificCredentialId": credential.credential_id,
        "ServiceName": credential.service_name,
    }


def credential_output(credential: Credential, password: str) -> Output:
    return {
        "ServiceSpecificCredential": {**metadata_output(credential), "ServicePassword": password}
    }


def service_user_name(ctx: OperationContext, user: User, service_name: str) -> str:
    """``alice-at-123456789012``; the user's second credential for a service is ``alice+1-…``."""
    held = user_credentials.list_credentials(
        ctx.conn,
        ctx.account_id,
        SERVICE,
        user_id=user.user_id,
        service_name=service_name,
        limit=MAX_PER_SERVICE,
    )
    taken = {credential.service_user_name for credential in held.items}
    plain = f"{user.name}-at-{ctx.account_id}"
    return plain if plain not in taken else f"{user.name}+1-at-{ctx.account_id}"


def create_service_specific_credential(ctx: OperationContext, params: Params) -> Output:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    service_name = params["ServiceName"]
    check_service(service_name)
    hold(ctx.conn, ("user", user.user_id))  # the quota below stays true until we commit
    count = user_credentials.count_credentials(
        ctx.conn, SERVICE, user.user_id, service_name=service_name
    )
    if count >= MAX_PER_SERVICE:
        raise LimitExceeded(
            f"Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: "
            f"{MAX_PER_SERVICE}"
        )
    credential_id = ids.entity_id(ids.SERVICE_CREDENTIAL)
    password = new_password()
    credential = Credential(
        credential_id=credential_id,
        account_id=ctx.account_id,
        kind=SERVICE,
        user_id=user.user_id,
        user_name=user.name,
        status="Active",
        created_at=ctx.now,
        service_name=service_name,
        service_user_name=service_user_name(ctx, user, service_name),
        secret_sealed=ctx.sealer.seal(password.encode(), credential_id),
    )
    user_credentials.insert_credential(ctx.conn, credential)
    return credential_output(credential, password)


def list_service_specific_credentials(ctx: OperationContext, params: Params) -> Output:
    service_name = params.get("ServiceName")
    if params.get("AllUsers") and params.get("UserName") is not None:
        raise ValidationError("AllUsers and UserName cannot be specified together.")
    user_id = None if params.get("AllUsers") else target_user(ctx, params).user_id
    if service_name is not None:
        check_service(service_name)
    page = list_page(ctx, SERVICE, params, user_id=user_id, service_name=service_name)
    items = [metadata_output(credential) for credential in page.items]
    return list_output("ServiceSpecificCredentials", items, page)


def _named_credential(ctx: OperationContext, params: Params) -> Credential:
    user = target_user(ctx, params)
    return owned_credential(ctx, SERVICE, user, params["ServiceSpecificCredentialId"], not_found)


def reset_service_specific_credential(ctx: OperationContext, params: Params) -> Output:
    credential = _named_credential(ctx, params)
    password = new_password()
    sealed = ctx.sealer.seal(password.encode(), credential.credential_id)
    return credential_output(user_credentials.set_secret(ctx.conn, credential, sealed), password)


def update_service_specific_credential(ctx: OperationContext, params: Params) -> Output:
    user_credentials.set_status(ctx.conn, _named_credential(ctx, params), params["Status"])
    return {}


def delete_service_specific_credential(ctx: OperationContext, params: Params) -> Output:
    user_credentials.delete_credential(ctx.conn, _named_credential(ctx, params))
    return {}


OPERATIONS: OperationTable = {
    "CreateServiceSpecificCredential": create_service_specific_credential,
    "ListServiceSpecificCredentials": list_service_specific_credentials,
    "ResetServiceSpecificCredential": reset_service_specific_credential,
    "UpdateServiceSpecificCredential": update_service_specific_credential,
    "DeleteServiceSpecificCredential": delete_service_specific_credential,
}
