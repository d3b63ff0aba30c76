"""Service-linked roles through boto3 against a live server: names, protection, deletion."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def error_from(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


@pytest.mark.parametrize(
    ("service", "role_name"),
    [
        ("acm.amazonaws.com", "AWSServiceRoleForCertificateManager"),
        ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling"),
        (
            "cassandra.application-autoscaling.amazonaws.com",
            "AWSServiceRoleForApplicationAutoScaling_CassandraTable",
        ),
        ("ecs.amazonaws.com", "AWSServiceRoleForECS"),
        ("docdb-elastic.amazonaws.com", "AWSServiceRoleForDocDB-Elastic"),
        ("es.amazonaws.com", "AWSServiceRoleForAmazonElasticsearchService"),
    ],
)
def test_service_role_names(iam: Any, account: Any, service: str, role_name: str) -> None:
    created = iam.create_service_linked_role(AWSServiceName=service)["Role"]
    assert created["RoleName"] == role_name
    role = iam.get_role(RoleName=role_name)["Role"]
    path = f"/aws-service-role/{service}/"
    assert role["Path"] == path
    assert role["Arn"] == f"arn:aws:iam::{account.account_id}:role{path}{role_name}"
    assert role["MaxSessionDuration"] == 3600
    assert role["RoleLastUsed"] == {}
    assert "Description" not in role
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role["RoleId"])


def test_description_is_kept(iam: Any) -> None:
    created = iam.create_service_linked_role(
        AWSServiceName="rds.amazonaws.com", Description="Allows Amazon RDS to manage resources"
    )["Role"]
    assert created["Description"] == "Allows Amazon RDS to manage resources"
    role = iam.get_role(RoleName="AWSServiceRoleForRDS")["Role"]
    assert role["Description"] == "Allows Amazon RDS to manage resources"


@pytest.mark.parametrize(
    ("service", "prefix"),
    [
        ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling"),
        ("connect.amazonaws.com", "AWSServiceRoleForAmazonConnect"),
        ("lexv2.amazonaws.com", "AWSServiceRoleForLexV2Bots"),
    ],
)
def test_custom_suffix(iam: Any, service: str, prefix: str) -> None:
    role = iam.create_service_linked_role(AWSServiceName=service, CustomSuffix="abc1")["Role"]
    assert role["RoleName"] == f"{prefix}_abc1"
    assert role["Path"] == f"/aws-service-role/{service}/"


@pytest.mark.parametrize(
    "service", ["eks.amazonaws.com", "batch.amazonaws.com", "foo.amazonaws.com"]
)
def test_custom_suffix_not_allowed(iam: Any, service: str) -> None:
    create = lambda: iam.create_service_linked_role(  # noqa: E731
        AWSServiceName=service, CustomSuffix="testsuffix"
    )
    assert error_from(create) == (
        "InvalidInput",
        f"Custom suffix is not allowed for {service}",
        400,
    )


def test_service_role_name_taken(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")
    create = lambda: iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")  # noqa: E731
    assert error_from(create) == (
        "InvalidInput",
        "Service role name AWSServiceRoleForBatch has been taken in this account,"
        " please try a different suffix.",
        400,
    )
    iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="x")
    again = lambda: iam.create_service_linked_role(  # noqa: E731
        AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="X"
    )
    assert error_from(again)[1].startswith("Service role name AWSServiceRoleForAutoScaling_X ")


def test_unlisted_service_gets_a_name_from_its_principal(iam: Any) -> None:
    role = iam.create_service_linked_role(AWSServiceName="my-new.service.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForMyNewService"


def test_delete_and_deletion_status(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")
    iam.tag_role(RoleName="AWSServiceRoleForBatch", Tags=[{"Key": "k", "Value": "v"}])
    task_id = iam.delete_service_linked_role(RoleName="AWSServiceRoleForBatch")["DeletionTaskId"]
    assert re.fullmatch(
        r"task/aws-service-role/batch\.amazonaws\.com/AWSServiceRoleForBatch/"
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        task_id,
    )
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    assert status["Status"] == "SUCCEEDED"
    assert "Reason" not in status
    assert error_from(lambda: iam.get_role(RoleName="AWSServiceRoleForBatch"))[0] == "NoSuchEntity"
    iam.create_service_linked_role(AWSServiceName="batch.amazonaws.com")
    assert "Tags" not in iam.get_role(RoleName="AWSServiceRoleForBatch")["Role"]


def test_delete_errors(iam: Any) -> None:
    assert error_from(lambda: iam.delete_service_linked_role(RoleName="nonexistent-role")) == (
        "NoSuchEntity",
        "The role with name nonexistent-role cannot be found.",
        404,
    )
    iam.create_role(RoleName="ordinary", AssumeRolePolicyDocument=TRUST)
    code, _, status = error_from(lambda: iam.delete_service_linked_role(RoleName="ordinary"))
    assert (code, status) == ("NoSuchEntity", 404)
    bad = lambda: iam.get_service_linked_role_deletion_status(DeletionTaskId="garbage")  # noqa: E731
    assert error_from(bad)[0] == "InvalidInput"


def test_service_linked_roles_are_protected(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    name = "AWSServiceRoleForECS"
    iam.create_instance_profile(InstanceProfileName="profile")
    expected = (
        "UnmodifiableEntity",
        f"Cannot perform the operation on the protected role '{name}'"
        " - this role is only modifiable by AWS",
        400,
    )
    refused = (
        lambda: iam.delete_role(RoleName=name),
        lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=TRUST),
        lambda: iam.update_role(RoleName=name, MaxSessionDuration=7200),
        lambda: iam.update_role(RoleName=name, ResetMaxSigninSessionDuration=True),
        lambda: iam.add_role_to_instance_profile(InstanceProfileName="profile", RoleName=name),
    )
    for call in refused:
        assert error_from(call) == expected
    # AWS lets anyone edit a service-linked role's description and tags.
    iam.update_role(RoleName=name, Description="edited")
    answered = iam.update_role_description(RoleName=name, Description="edited again")["Role"]
    assert answered["Description"] == "edited again"
    iam.tag_role(RoleName=name, Tags=[{"Key": "team", "Value": "ops"}])
    iam.untag_role(RoleName=name, TagKeys=["team"])
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "edited again"
