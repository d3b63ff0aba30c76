"""The access advisor through boto3: last accessed services and actions, from the trail."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from audit.conftest import Trail, allow, document
from support import IamdServer, RootCredential, error_of

ACTIONS = ["iam:ListUsers", "iam:GetUser", "sts:GetCallerIdentity", "s3:GetObject"]
POLICY = document(allow([*ACTIONS, "ec2:DescribeInstances"]))


def _user(server: IamdServer, iam: Any, name: str, policy: str | None = POLICY) -> Any:
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="work", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return lambda service: server.client(service, key["AccessKeyId"], key["SecretAccessKey"])


def _report(iam: Any, arn: str, granularity: str = "SERVICE_LEVEL") -> dict[str, Any]:
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
    report: dict[str, Any] = iam.get_service_last_accessed_details(JobId=job)
    report["JobId"] = job
    return report


def _services(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["ServiceNamespace"]: s for s in report["ServicesLastAccessed"]}


def test_a_users_report_lists_its_services_and_when_it_used_them(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    client = _user(server, iam, "alice")
    client("iam").list_users()
    trail.wait_for("ListUsers", where=lambda r: r["userIdentity"].get("userName") == "alice")
    arn = iam.get_user(UserName="alice")["User"]["Arn"]
    report = _report(iam, arn)
    assert report["JobStatus"] == "COMPLETED" and report["JobType"] == "SERVICE_LEVEL"
    assert report["JobCompletionDate"] >= report["JobCreationDate"]
    services = _services(report)
    assert set(services) == {"ec2", "iam", "s3", "sts"}
    used = services["iam"]
    assert used["ServiceName"].startswith("AWS Identity and Access Management")
    assert used["LastAuthenticatedEntity"] == arn
    assert used["LastAuthenticatedRegion"] == "us-east-1"
    assert used["TotalAuthenticatedEntities"] == 1
    assert report["JobCreationDate"] - used["LastAuthenticated"] < timedelta(minutes=5)
    assert "LastAuthenticated" not in services["s3"]  # allowed, never used


def test_action_level_reports_the_tracked_actions(
    server: IamdServer, iam: Any, trail: Trail
) -> None:
    client = _user(server, iam, "bea")
    client("iam").get_user()
    trail.wait_for("GetUser", where=lambda r: r["userIdentity"].get("userName") == "bea")
    report = _report(iam, iam.get_user(UserName="bea")["User"]["Arn"], "ACTION_LEVEL")
    actions = {a["ActionName"]: a for a in _services(report)["iam"]["TrackedActionsLastAccessed"]}
    assert set(actions) == {"ListUsers", "GetUser"}
    assert (
        "LastAccessedTime" in actions["GetUser"] and "LastAccessedTime" not in actions["ListUsers"]
    )
    assert "TrackedActionsLastAccessed" not in _services(report)["ec2"]  # not a tracked service


def test_a_denied_attempt_counts_as_an_access(server: IamdServer, iam: Any, trail: Trail) -> None:
    client = _user(server, iam, "cid")
    with pytest.raises(ClientError):
        client("iam").list_roles()  # iam is allowed (ListUsers), ListRoles is not
    trail.wait_for("ListRoles")
    report = _report(iam, iam.get_user(UserName="cid")["User"]["Arn"])
    assert "LastAuthenticated" in _services(report)["iam"]


def test_a_groups_report_names_the_members_who_used_it(
    server: IamdServer, iam: Any, trail: Trail
) -> None:
    users = {name: _user(server, iam, name, policy=None) for name in ("dee", "eve")}
    group = iam.create_group(GroupName="team")["Group"]
    for name in users:
        iam.add_user_to_group(GroupName="team", UserName=name)
    iam.put_group_policy(GroupName="team", PolicyName="g", PolicyDocument=POLICY)
    users["eve"]("sts").get_caller_identity()
    trail.wait_for("GetCallerIdentity")
    report = _report(iam, group["Arn"])
    assert _services(report)["sts"]["LastAuthenticatedEntity"].endswith(":user/eve")
    details = iam.get_service_last_accessed_details_with_entities(
        JobId=report["JobId"], ServiceNamespace="sts"
    )
    by_name = {d["EntityInfo"]["Name"]: d for d in details["EntityDetailsList"]}
    assert set(by_name) == {"dee", "eve"}
    assert "LastAuthenticated" in by_name["eve"] and "LastAuthenticated" not in by_name["dee"]
    assert by_name["eve"]["EntityInfo"]["Type"] == "USER"


def test_a_policys_report_counts_the_roles_it_is_attached_to(
    server: IamdServer, iam: Any, trail: Trail, account: RootCredential
) -> None:
    managed = iam.create_policy(PolicyName="ops", PolicyDocument=POLICY)["Policy"]
    trust = document(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="runner", AssumeRolePolicyDocument=trust)["Role"]
    iam.attach_role_policy(RoleName="runner", PolicyArn=managed["Arn"])
    hopper = _user(server, iam, "hopper", policy=document(allow("sts:AssumeRole")))
    credentials = hopper("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="job")[
        "Credentials"
    ]
    session = server.client(
        "iam",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    session.list_users()
    trail.wait_for("ListUsers", where=lambda r: r["userIdentity"]["type"] == "AssumedRole")
    report = _report(iam, managed["Arn"])
    assert _services(report)["iam"]["LastAuthenticatedEntity"] == role["Arn"]


def test_policies_granting_service_access(server: IamdServer, iam: Any) -> None:
    _user(server, iam, "fay")
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="fay")
    iam.put_group_policy(
        GroupName="readers", PolicyName="s3read", PolicyDocument=document(allow("s3:Get*"))
    )
    iam.attach_user_policy(UserName="fay", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    arn = iam.get_user(UserName="fay")["User"]["Arn"]
    answer = iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["iam", "s3"])
    entries = {
        e["ServiceNamespace"]: e["Policies"] for e in answer["PoliciesGrantingServiceAccess"]
    }
    assert entries["iam"] == [
        {"PolicyName": "work", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": "fay"},
        {
            "PolicyName": "IAMReadOnlyAccess",
            "PolicyType": "MANAGED",
            "PolicyArn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        },
    ]
    assert entries["s3"] == [
        {"PolicyName": "work", "PolicyType": "INLINE", "EntityType": "USER", "EntityName": "fay"},
        {
            "PolicyName": "s3read",
            "PolicyType": "INLINE",
            "EntityType": "GROUP",
            "EntityName": "readers",
        },
    ]
    assert answer["IsTruncated"] is False


def test_reports_page_with_markers(server: IamdServer, iam: Any) -> None:
    _user(server, iam, "gus", policy=document(allow("*")))
    report = _report(iam, iam.get_user(UserName="gus")["User"]["Arn"])
    everything = report["ServicesLastAccessed"]
    assert len(everything) == 100 and report["IsTruncated"] is True  # the default page
    paged = []
    marker = None
    while True:
        params = {"JobId": report["JobId"], "MaxItems": 200}
        page = iam.get_service_last_accessed_details(
            **params, **({"Marker": marker} if marker else {})
        )
        paged += page["ServicesLastAccessed"]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert len(paged) > len(everything)
    assert [s["ServiceNamespace"] for s in paged[:100]] == [
        s["ServiceNamespace"] for s in everything
    ]


def test_unknown_jobs_and_entities_are_refused(iam: Any, account: RootCredential) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_last_accessed_details(JobId="00000000-0000-0000-0000-000000000000")
    assert error_of(excinfo)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(
            Arn=f"arn:aws:iam::{account.account_id}:user/nobody"
        )
    assert error_of(excinfo)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as excinfo:
        iam.generate_service_last_accessed_details(Arn="arn:aws:s3:::not-an-identity")
    assert error_of(excinfo)[0] == "InvalidInput"


def test_key_last_used_agrees_with_the_trail(server: IamdServer, iam: Any, trail: Trail) -> None:
    client = _user(server, iam, "hal")
    client("sts").get_caller_identity()
    (record,) = trail.wait_for("GetCallerIdentity")
    key_id = record["userIdentity"]["accessKeyId"]
    used = iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    assert used["ServiceName"] == "sts" and used["Region"] == "us-east-1"
    event_time = json.loads(trail.named("GetCallerIdentity")[0]["CloudTrailEvent"])["eventTime"]
    assert used["LastUsedDate"].strftime("%Y-%m-%dT%H:%M:%SZ") == event_time


def _refused(call: Any, job_id: str) -> tuple[str, str, int]:
    """The error a job's reader gets for ``job_id``."""
    params = {"JobId": job_id}
    if call.__name__ == "get_service_last_accessed_details_with_entities":
        params["ServiceNamespace"] = "iam"
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def _readers(iam: Any) -> list[Any]:
    return [
        iam.get_service_last_accessed_details,
        iam.get_service_last_accessed_details_with_entities,
    ]


def _session_client(server: IamdServer, credentials: dict[str, Any]) -> Any:
    return server.client(
        "iam",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )


def test_a_report_answers_only_the_user_who_generated_it(server: IamdServer, iam: Any) -> None:
    admin = document(allow("iam:*"))
    ivy, joe = (_user(server, iam, name, policy=admin) for name in ("ivy", "joe"))
    arn = iam.get_user(UserName="ivy")["User"]["Arn"]
    job_id = ivy("iam").generate_service_last_accessed_details(Arn=arn)["JobId"]
    assert ivy("iam").get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"
    unknown = _refused(iam.get_service_last_accessed_details, str(uuid.uuid4()))
    assert unknown[0] == "NoSuchEntity" and unknown[2] == 404
    for stranger in (joe("iam"), iam):  # another user with iam:*, and the account's root
        for call in _readers(stranger):
            code, message, status = _refused(call, job_id)
            # As if the job did not exist: the same code, status and wording.
            assert (code, status) == unknown[::2]
            assert message == f"No report found for job {job_id}."


def test_a_report_answers_only_the_role_session_that_generated_it(
    server: IamdServer, iam: Any, account: RootCredential
) -> None:
    trust = document(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName="auditor", PolicyName="a", PolicyDocument=document(allow("iam:*")))
    assumer = _user(server, iam, "kim", policy=document(allow("sts:AssumeRole")))

    def session() -> Any:
        answer = assumer("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="same-name")
        return _session_client(server, answer["Credentials"])

    first, second = session(), session()
    job_id = first.generate_service_last_accessed_details(Arn=role["Arn"])["JobId"]
    assert first.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"
    details = first.get_service_last_accessed_details_with_entities(
        JobId=job_id, ServiceNamespace="iam"
    )
    assert details["EntityDetailsList"][0]["EntityInfo"]["Arn"] == role["Arn"]
    # Another session of the same role, even under the same session name, is not it.
    for call in _readers(second):
        assert _refused(call, job_id)[:2] == ("NoSuchEntity", f"No report found for job {job_id}.")


def test_another_account_cannot_read_a_report_by_its_job_id(server: IamdServer, iam: Any) -> None:
    arn = iam.create_user(UserName="lee")["User"]["Arn"]
    job_id = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    for call in _readers(other_iam):
        assert _refused(call, job_id)[0] == "NoSuchEntity"
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"
