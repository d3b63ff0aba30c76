"""Service-specific credentials through boto3: generated user name and password, the
password once (and sealed at rest), two per service per user, AWS's messages."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import select

from iamd.store.schema import user_credentials
from support import IamdServer, RootCredential, error_of

METADATA_KEYS = {
    "UserName",
    "Status",
    "ServiceUserName",
    "CreateDate",
    "ServiceSpecificCredentialId",
    "ServiceName",
}
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def create(iam: Any, user_name: str, service: str = "codecommit.amazonaws.com") -> Any:
    answer = iam.create_service_specific_credential(UserName=user_name, ServiceName=service)
    return answer["ServiceSpecificCredential"]


@pytest.mark.parametrize("service", ["codecommit.amazonaws.com", "cassandra.amazonaws.com"])
def test_service_specific_credential_lifecycle(
    iam: Any, account: RootCredential, service: str
) -> None:
    iam.create_user(UserName="alice")
    created = create(iam, "alice", service)
    credential_id = created["ServiceSpecificCredentialId"]
    assert re.fullmatch(r"ACCA[A-Z2-7]{17}", credential_id)
    assert set(created) == METADATA_KEYS | {"ServicePassword"}
    assert created["ServiceName"] == service
    assert created["ServiceUserName"] == f"alice-at-{account.account_id}"
    assert created["Status"] == "Active" and created["UserName"] == "alice"
    assert len(created["ServicePassword"]) == 44
    metadata = {k: v for k, v in created.items() if k != "ServicePassword"}
    listed = iam.list_service_specific_credentials(UserName="alice")
    assert listed["IsTruncated"] is False
    assert listed["ServiceSpecificCredentials"] == [metadata]
    iam.update_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential_id, Status="Inactive"
    )
    listed = iam.list_service_specific_credentials(UserName="alice")
    assert listed["ServiceSpecificCredentials"] == [{**metadata, "Status": "Inactive"}]
    reset = iam.reset_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential_id
    )["ServiceSpecificCredential"]
    assert reset == {
        **metadata,
        "Status": "Inactive",
        "ServicePassword": reset["ServicePassword"],
    }
    assert reset["ServicePassword"] != created["ServicePassword"]
    iam.delete_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=credential_id
    )
    assert (
        iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"] == []
    )


def test_passwords_are_sealed_at_rest(iam: Any, server: IamdServer) -> None:
    iam.create_user(UserName="bob")
    created = create(iam, "bob")
    credential_id = created["ServiceSpecificCredentialId"]
    reset = iam.reset_service_specific_credential(
        UserName="bob", ServiceSpecificCredentialId=credential_id
    )["ServiceSpecificCredential"]
    db, sealer = server.open_store()
    try:
        with db.engine.connect() as conn:
            row = conn.execute(
                select(user_credentials).where(user_credentials.c.id == credential_id)
            ).one()
    finally:
        db.dispose()
    stored = b"".join(str(value).encode() for value in row if not isinstance(value, bytes))
    assert created["ServicePassword"].encode() not in stored + row.secret_sealed
    assert reset["ServicePassword"].encode() not in stored + row.secret_sealed
    assert sealer.open(row.secret_sealed, credential_id).decode() == reset["ServicePassword"]


def test_unknown_user_and_unsupported_services(iam: Any) -> None:
    for service in ("codecommit.amazonaws.com", "nonexistentservice.amazonaws.com"):
        with pytest.raises(ClientError) as excinfo:
            create(iam, "non-existent-user", service)
        assert error_of(excinfo) == (
            "NoSuchEntity",
            "The user with name non-existent-user cannot be found.",
            404,
        )
    iam.create_user(UserName="carol")
    for service in ("nonexistentservice.amazonaws.com", "o3on3n3onosneo", "lambda.amazonaws.com"):
        with pytest.raises(ClientError) as excinfo:
            create(iam, "carol", service)
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"No such service {service} is supported for Service Specific Credentials",
            404,
        )


def test_list_by_service(iam: Any) -> None:
    iam.create_user(UserName="dave")
    with pytest.raises(ClientError) as excinfo:
        iam.list_service_specific_credentials(
            UserName="dave", ServiceName="nonexistentservice.amazonaws.com"
        )
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "No such service nonexistentservice.amazonaws.com is supported for Service Specific "
        "Credentials",
        404,
    )
    create(iam, "dave", "codecommit.amazonaws.com")
    other = iam.list_service_specific_credentials(
        UserName="dave", ServiceName="cassandra.amazonaws.com"
    )
    assert other["ServiceSpecificCredentials"] == [] and other["IsTruncated"] is False
    same = iam.list_service_specific_credentials(
        UserName="dave", ServiceName="codecommit.amazonaws.com"
    )
    assert len(same["ServiceSpecificCredentials"]) == 1


def test_two_per_service_per_user(iam: Any, account: RootCredential) -> None:
    iam.create_user(UserName="erin")
    first = create(iam, "erin")
    second = create(iam, "erin")
    assert first["ServiceUserName"] == f"erin-at-{account.account_id}"
    assert second["ServiceUserName"] == f"erin+1-at-{account.account_id}"
    with pytest.raises(ClientError) as excinfo:
        create(iam, "erin")
    assert error_of(excinfo) == (
        "LimitExceeded",
        "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
        409,
    )
    create(iam, "erin", "cassandra.amazonaws.com")
    page = iam.list_service_specific_credentials(UserName="erin", MaxItems=2)
    assert page["IsTruncated"] is True
    rest = iam.list_service_specific_credentials(UserName="erin", Marker=page["Marker"])
    assert rest["IsTruncated"] is False
    listed = page["ServiceSpecificCredentials"] + rest["ServiceSpecificCredentials"]
    assert len({c["ServiceSpecificCredentialId"] for c in listed}) == 3


@pytest.mark.parametrize("operation", ["update", "reset", "delete"])
def test_credential_id_mismatch(iam: Any, operation: str) -> None:
    iam.create_user(UserName="frank")
    created = create(iam, "frank")

    def call(user_name: str, credential_id: str) -> None:
        params = {"UserName": user_name, "ServiceSpecificCredentialId": credential_id}
        if operation == "update":
            iam.update_service_specific_credential(**params, Status="Inactive")
        elif operation == "reset":
            iam.reset_service_specific_credential(**params)
        else:
            iam.delete_service_specific_credential(**params)

    with pytest.raises(ClientError) as excinfo:
        call("frank", "totally-wrong-credential-id-with-hyphens")
    assert error_of(excinfo) == (
        "ValidationError",
        "1 validation error detected: Value at 'serviceSpecificCredentialId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w]+",
        400,
    )
    with pytest.raises(ClientError) as excinfo:
        call("frank", "satisfiesregexbutstillinvalid")
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "No such credential satisfiesregexbutstillinvalid exists",
        404,
    )
    with pytest.raises(ClientError) as excinfo:
        call("wrong-user-name", created["ServiceSpecificCredentialId"])
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "The user with name wrong-user-name cannot be found.",
        404,
    )


def test_another_users_credential_is_not_found(iam: Any) -> None:
    iam.create_user(UserName="gina")
    iam.create_user(UserName="hank")
    credential_id = create(iam, "gina")["ServiceSpecificCredentialId"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_service_specific_credential(
            UserName="hank", ServiceSpecificCredentialId=credential_id
        )
    assert error_of(excinfo)[1] == f"No such credential {credential_id} exists"


def test_invalid_status(iam: Any) -> None:
    iam.create_user(UserName="ivy")
    credential_id = create(iam, "ivy")["ServiceSpecificCredentialId"]
    with pytest.raises(ClientError) as excinfo:
        iam.update_service_specific_credential(
            UserName="ivy", ServiceSpecificCredentialId=credential_id, Status="Invalid"
        )
    assert error_of(excinfo) == (
        "ValidationError",
        "1 validation error detected: Value at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set",
        400,
    )


def test_delete_user_waits_for_credentials_and_rename_keeps_service_user_name(
    iam: Any, account: RootCredential
) -> None:
    iam.create_user(UserName="jack")
    credential_id = create(iam, "jack")["ServiceSpecificCredentialId"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="jack")
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete entity, must remove referenced objects first.",
        409,
    )
    iam.update_user(UserName="jack", NewUserName="jackson")
    listed = iam.list_service_specific_credentials(UserName="jackson")
    [credential] = listed["ServiceSpecificCredentials"]
    assert credential["UserName"] == "jackson"
    assert credential["ServiceUserName"] == f"jack-at-{account.account_id}"
    iam.delete_service_specific_credential(
        UserName="jackson", ServiceSpecificCredentialId=credential_id
    )
    iam.delete_user(UserName="jackson")


def test_caller_and_all_users(iam: Any, make_client: Any) -> None:
    iam.create_user(UserName="kate")
    iam.create_user(UserName="liam")
    iam.put_user_policy(UserName="kate", PolicyName="all", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName="kate")["AccessKey"]
    as_kate = make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    kates = create(iam, "kate")["ServiceSpecificCredentialId"]
    liams = create(iam, "liam", "cassandra.amazonaws.com")["ServiceSpecificCredentialId"]
    mine = as_kate.list_service_specific_credentials()["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in mine] == [kates]
    as_kate.update_service_specific_credential(ServiceSpecificCredentialId=kates, Status="Inactive")
    everyone = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert {c["ServiceSpecificCredentialId"] for c in everyone} == {kates, liams}
    cassandra = iam.list_service_specific_credentials(
        AllUsers=True, ServiceName="cassandra.amazonaws.com"
    )
    assert [c["UserName"] for c in cassandra["ServiceSpecificCredentials"]] == ["liam"]
