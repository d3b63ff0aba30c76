"""Service-linked roles through boto3 against a live server: names, protection, deletion."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

RECORDED = Path(__file__).resolve().parents[1] / "data" / "aws-recorded"

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


@pytest.mark.parametrize("service", ["eks.amazonaws.com", "batch.amazonaws.com"])
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


@pytest.mark.parametrize(
    "service",
    [
        "my-new.service.amazonaws.com",
        "s3.amazonaws.com",
        "ECS.amazonaws.com",
        "ecs",
        "account.amazonaws.com",
    ],
)
def test_service_without_a_linked_role_is_refused(iam: Any, service: str) -> None:
    # AWS's answer, quoted from real accounts: AccessDenied, no final period.
    refusal = ("AccessDenied", f"Cannot find Service Linked Role template for {service}", 403)
    create = lambda: iam.create_service_linked_role(AWSServiceName=service)  # noqa: E731
    assert error_from(create) == refusal
    with_suffix = lambda: iam.create_service_linked_role(  # noqa: E731
        AWSServiceName=service, CustomSuffix="x"
    )
    assert error_from(with_suffix) == refusal
    assert iam.list_roles(PathPrefix="/aws-service-role/")["Roles"] == []


@pytest.mark.parametrize(
    ("service", "role_name", "policy_name"),
    [
        (
            "custom-resource.application-autoscaling.amazonaws.com",
            "AWSServiceRoleForApplicationAutoScaling_CustomResource",
            "AWSApplicationAutoScalingCustomResourcePolicy",
        ),
        (
            "lambda.application-autoscaling.amazonaws.com",
            "AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency",
            "AWSApplicationAutoscalingLambdaConcurrencyPolicy",
        ),
        (
            "sagemaker.application-autoscaling.amazonaws.com",
            "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
            "AWSApplicationAutoscalingSageMakerEndpointPolicy",
        ),
        ("spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy"),
        # Rows checked against the services' own guides (src/iamd/data/README.md).
        (
            "comprehend.application-autoscaling.amazonaws.com",
            "AWSServiceRoleForApplicationAutoScaling_ComprehendEndpoint",
            "AWSApplicationAutoscalingComprehendEndpointPolicy",
        ),
        ("lambda.amazonaws.com", "AWSServiceRoleForLambda", "AWSLambdaServiceRolePolicy"),
    ],
)
def test_names_not_derived_from_the_principal(
    iam: Any, service: str, role_name: str, policy_name: str
) -> None:
    assert iam.create_service_linked_role(AWSServiceName=service)["Role"]["RoleName"] == role_name
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert attached == [
        {
            "PolicyName": policy_name,
            "PolicyArn": f"arn:aws:iam::aws:policy/aws-service-role/{policy_name}",
        }
    ]


def test_linked_role_policy_cannot_be_detached(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    arn = "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"
    detach = lambda: iam.detach_role_policy(RoleName="AWSServiceRoleForECS", PolicyArn=arn)  # noqa: E731
    assert error_from(detach)[0] == "UnmodifiableEntity"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["AttachmentCount"] >= 1


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


def _recorded_lifecycles() -> list[tuple[str, dict[str, Any]]]:
    """AWS's own answers for each service (tests/data/aws-recorded)."""
    recorded = json.loads((RECORDED / "iam" / "general.json").read_text())
    prefix = "TestIAMServiceRoles::test_service_role_lifecycle["
    found = [
        (name.split("[", 1)[1].rstrip("]"), scenario["recorded-content"])
        for name, scenario in recorded.items()
        if prefix in name
    ]
    assert found, "no recorded lifecycles: the test would check nothing"
    return found


@pytest.mark.parametrize(("service", "recorded"), _recorded_lifecycles())
def test_role_and_policies_match_aws(iam: Any, service: str, recorded: dict[str, Any]) -> None:
    expected = recorded["describe-response"]["Role"]
    role = iam.create_service_linked_role(AWSServiceName=service)["Role"]
    assert role["RoleName"] == expected["RoleName"]
    assert role["Path"] == expected["Path"]
    assert role["AssumeRolePolicyDocument"] == expected["AssumeRolePolicyDocument"]
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    want = recorded["attached-role-policies"]["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == [p["PolicyName"] for p in want]
    assert [p["PolicyArn"] for p in attached] == [
        p["PolicyArn"].replace("<partition>", "aws") for p in want
    ]
    assert iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"] == []


@pytest.mark.parametrize(
    ("service", "role_name", "policy_name"),
    [
        # Rows added from the services' guides (evidence in service_linked_roles.json).
        ("appfabric.amazonaws.com", "AWSServiceRoleForAppFabric", "AWSAppFabricServiceRolePolicy"),
        (
            "cassandra-streams.amazonaws.com",
            "AWSServiceRoleForAmazonKeyspacesCDC",
            "KeyspacesCDCServiceRolePolicy",
        ),
        (
            "ec2fastlaunch.amazonaws.com",
            "AWSServiceRoleForEC2FastLaunch",
            "EC2FastLaunchServiceRolePolicy",
        ),
        (
            "networking.apprunner.amazonaws.com",
            "AWSServiceRoleForAppRunnerNetworking",
            "AppRunnerNetworkingServiceRolePolicy",
        ),
        (
            "reachabilityanalyzer.networkinsights.amazonaws.com",
            "AWSServiceRoleForReachabilityAnalyzer",
            "AWSReachabilityAnalyzerServiceRolePolicy",
        ),
        (
            "schemas.amazonaws.com",
            "AWSServiceRoleForSchemas",
            "AmazonEventBridgeSchemasServiceRolePolicy",
        ),
    ],
)
def test_documented_roles_added(
    iam: Any, account: Any, service: str, role_name: str, policy_name: str
) -> None:
    created = iam.create_service_linked_role(AWSServiceName=service)["Role"]
    path = f"/aws-service-role/{service}/"
    assert (created["RoleName"], created["Path"]) == (role_name, path)
    role = iam.get_role(RoleName=role_name)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{account.account_id}:role{path}{role_name}"
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    ]
    arn = f"arn:aws:iam::aws:policy/aws-service-role/{policy_name}"
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert attached == [{"PolicyName": policy_name, "PolicyArn": arn}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Path"] == "/aws-service-role/"
    assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == []
