"""Access advisor reports through boto3: the services an entity's policies could grant,
none yet used (iamd keeps no access history), and who could have used them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def allow(*actions: str) -> str:
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def report(iam: Any, arn: str, **extra: Any) -> dict[str, Any]:
    job_id = iam.generate_service_last_accessed_details(Arn=arn, **extra)["JobId"]
    answer: dict[str, Any] = iam.get_service_last_accessed_details(JobId=job_id)
    answer["JobId"] = job_id
    return answer


def test_user_report_covers_its_groups(iam: Any) -> None:
    user = iam.create_user(UserName="ana")["User"]
    iam.put_user_policy(UserName="ana", PolicyName="own", PolicyDocument=allow("s3:GetObject"))
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="ana")
    iam.attach_group_policy(
        GroupName="ops", PolicyArn="arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
    )
    answer = report(iam, user["Arn"])
    assert answer["JobStatus"] == "COMPLETED"
    assert answer["JobType"] == "SERVICE_LEVEL"
    assert answer["JobCompletionDate"] >= answer["JobCreationDate"]
    assert answer["IsTruncated"] is False
    services = {s["ServiceNamespace"]: s for s in answer["ServicesLastAccessed"]}
    assert set(services) == {"s3", "sqs"}
    assert services["s3"] == {
        "ServiceName": "Amazon S3",
        "ServiceNamespace": "s3",
        "TotalAuthenticatedEntities": 0,
    }


def test_policy_report_lists_who_could_use_it(iam: Any) -> None:
    policy = iam.create_policy(PolicyName="readers", PolicyDocument=allow("s3:List*"))["Policy"]
    user = iam.create_user(UserName="ben")["User"]
    iam.create_group(GroupName="team")
    iam.add_user_to_group(GroupName="team", UserName="ben")
    iam.attach_group_policy(GroupName="team", PolicyArn=policy["Arn"])
    answer = report(iam, policy["Arn"], Granularity="ACTION_LEVEL")
    assert answer["JobType"] == "ACTION_LEVEL"
    assert [s["ServiceNamespace"] for s in answer["ServicesLastAccessed"]] == ["s3"]
    entities = iam.get_service_last_accessed_details_with_entities(
        JobId=answer["JobId"], ServiceNamespace="s3"
    )
    assert [e["EntityInfo"] for e in entities["EntityDetailsList"]] == [
        {"Arn": user["Arn"], "Name": "ben", "Type": "USER", "Id": user["UserId"], "Path": "/"}
    ]
    none = iam.get_service_last_accessed_details_with_entities(
        JobId=answer["JobId"], ServiceNamespace="ec2"
    )
    assert none["EntityDetailsList"] == []


def test_paging(iam: Any) -> None:
    iam.create_role(
        RoleName="wide",
        AssumeRolePolicyDocument=json.dumps(
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
        ),
    )
    iam.put_role_policy(RoleName="wide", PolicyName="all", PolicyDocument=allow("*"))
    arn = iam.get_role(RoleName="wide")["Role"]["Arn"]
    job_id = report(iam, arn)["JobId"]
    page = iam.get_service_last_accessed_details(JobId=job_id, MaxItems=5)
    assert len(page["ServicesLastAccessed"]) == 5 and page["IsTruncated"] is True
    names = [s["ServiceNamespace"] for s in page["ServicesLastAccessed"]]
    while page["IsTruncated"]:
        page = iam.get_service_last_accessed_details(JobId=job_id, Marker=page["Marker"])
        names += [s["ServiceNamespace"] for s in page["ServicesLastAccessed"]]
    assert names == sorted(set(names)) and len(names) > 300


def test_policies_granting_service_access(iam: Any) -> None:
    user = iam.create_user(UserName="cy")["User"]
    iam.put_user_policy(UserName="cy", PolicyName="mine", PolicyDocument=allow("s3:*"))
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="cy")
    iam.put_group_policy(GroupName="g", PolicyName="theirs", PolicyDocument=allow("iam:Get*"))
    iam.attach_user_policy(UserName="cy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    answer = iam.list_policies_granting_service_access(
        Arn=user["Arn"], ServiceNamespaces=["s3", "iam", "nosuchservice"]
    )
    by_service = {
        item["ServiceNamespace"]: item["Policies"]
        for item in answer["PoliciesGrantingServiceAccess"]
    }
    assert {"PolicyName": "mine", "PolicyType": "INLINE", "EntityType": "USER",
            "EntityName": "cy"} in by_service["s3"]  # fmt: skip
    assert {"PolicyName": "theirs", "PolicyType": "INLINE", "EntityType": "GROUP",
            "EntityName": "g"} in by_service["iam"]  # fmt: skip
    read_only = {
        "PolicyName": "ReadOnlyAccess",
        "PolicyType": "MANAGED",
        "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }
    assert read_only in by_service["s3"] and read_only in by_service["iam"]
    assert by_service["nosuchservice"] == []


def test_errors(iam: Any, account: Any) -> None:
    def code(call: Any) -> str:
        with pytest.raises(ClientError) as excinfo:
            call()
        return error_of(excinfo)[0]

    missing = f"arn:aws:iam::{account.account_id}:user/nobody"
    assert code(lambda: iam.generate_service_last_accessed_details(Arn=missing)) == "NoSuchEntity"
    bucket = "arn:aws:s3:::some-bucket"
    assert code(lambda: iam.generate_service_last_accessed_details(Arn=bucket)) == "InvalidInput"
    job = "12345678-1234-1234-1234-123456789012"
    assert code(lambda: iam.get_service_last_accessed_details(JobId=job)) == "NoSuchEntity"
