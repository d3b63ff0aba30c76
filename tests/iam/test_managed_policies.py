"""Managed policies through boto3 against a live server: policies, versions, tags, listing."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}
POLICY = json.dumps(DOCUMENT)
AWS_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"
AWS_CATALOG_SIZE = 1582


def document(action: str) -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_create_and_get_policy(iam: Any, account: Any) -> None:
    created = iam.create_policy(PolicyName="reader", PolicyDocument=POLICY, Description="d")
    policy = created["Policy"]
    assert policy["Arn"] == f"arn:aws:iam::{account.account_id}:policy/reader"
    assert re.fullmatch(r"ANPA[A-Z2-7]{17}", policy["PolicyId"])
    assert policy["DefaultVersionId"] == "v1"
    assert policy["IsAttachable"] is True
    assert (policy["AttachmentCount"], policy["PermissionsBoundaryUsageCount"]) == (0, 0)
    assert policy["CreateDate"] == policy["UpdateDate"]
    assert "Description" not in policy and "Tags" not in policy  # as AWS's CreatePolicy

    fetched = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert fetched == {**policy, "Description": "d", "Tags": []}
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v1")["PolicyVersion"]
    assert version["Document"] == DOCUMENT
    assert version["IsDefaultVersion"] is True


def test_policy_with_path(iam: Any, account: Any) -> None:
    policy = iam.create_policy(PolicyName="p", Path="/test/path/", PolicyDocument=POLICY)["Policy"]
    assert policy["Arn"] == f"arn:aws:iam::{account.account_id}:policy/test/path/p"
    listed = iam.list_policies(Scope="Local", PathPrefix="/test/")["Policies"]
    assert [p["PolicyName"] for p in listed] == ["p"]
    assert "Description" not in listed[0] and "Tags" not in listed[0]
    assert iam.list_policies(Scope="Local", PathPrefix="/other/")["Policies"] == []


def test_policy_names_are_unique_case_insensitively(iam: Any) -> None:
    iam.create_policy(PolicyName="Reader", PolicyDocument=POLICY)
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="reader", Path="/elsewhere/", PolicyDocument=POLICY)
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        "A policy called reader already exists. Duplicate names are not allowed.",
        409,
    )


def test_malformed_and_oversized_documents(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="bad", PolicyDocument="{not json")
    assert error_of(excinfo)[0] == "MalformedPolicyDocument"
    big = document("s3:" + "A" * 6100)
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="big", PolicyDocument=big)
    assert error_of(excinfo) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409)
    arn = iam.create_policy(PolicyName="small", PolicyDocument=POLICY)["Policy"]["Arn"]
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=big)
    assert error_of(excinfo)[0] == "LimitExceeded"


def test_delete_policy(iam: Any, account: Any) -> None:
    arn = iam.create_policy(PolicyName="gone", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.delete_policy(PolicyArn=arn)
    for call in (
        lambda: iam.get_policy(PolicyArn=arn),
        lambda: iam.delete_policy(PolicyArn=arn),
        lambda: iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: iam.untag_policy(PolicyArn=arn, TagKeys=["k"]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("NoSuchEntity", f"Policy {arn} was not found.", 404)


def test_delete_policy_conflicts(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="busy", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete a policy attached to entities.",
        409,
    )
    iam.detach_user_policy(UserName="alice", PolicyArn=arn)

    iam.create_policy_version(PolicyArn=arn, PolicyDocument=document("s3:GetObject"))
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(excinfo) == (
        "DeleteConflict",
        "This policy has more than one version. Before you delete a policy, you must delete "
        "the policy's versions. The default version is deleted with the policy.",
        409,
    )
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)


def test_version_lifecycle(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="versioned", PolicyDocument=POLICY)["Policy"]["Arn"]
    v2 = iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=document("s3:GetObject"), SetAsDefault=True
    )["PolicyVersion"]
    assert (v2["VersionId"], v2["IsDefaultVersion"]) == ("v2", True)
    assert "Document" not in v2
    v3 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=document("ec2:Describe*"))
    assert (v3["PolicyVersion"]["VersionId"], v3["PolicyVersion"]["IsDefaultVersion"]) == (
        "v3",
        False,
    )
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["DefaultVersionId"] == "v2"
    assert policy["UpdateDate"] == v3["PolicyVersion"]["CreateDate"]
    assert versions(iam, arn) == [("v3", False), ("v2", True), ("v1", False)]

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert versions(iam, arn) == [("v3", False), ("v2", False), ("v1", True)]
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert got["Document"]["Statement"][0]["Action"] == "ec2:Describe*"
    assert got["IsDefaultVersion"] is False

    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert versions(iam, arn) == [("v3", False), ("v1", True)]


def versions(iam: Any, arn: str) -> list[tuple[str, bool]]:
    listed = iam.list_policy_versions(PolicyArn=arn)
    assert listed["IsTruncated"] is False
    return [(v["VersionId"], v["IsDefaultVersion"]) for v in listed["Versions"]]


def test_version_limit(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="limited", PolicyDocument=POLICY)["Policy"]["Arn"]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)
    assert error_of(excinfo) == (
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must "
        "delete an existing version.",
        409,
    )
    assert [v for v, _ in versions(iam, arn)] == ["v5", "v4", "v3", "v2", "v1"]
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    created = iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)["PolicyVersion"]
    assert created["VersionId"] == "v6"
    pages = list(
        iam.get_paginator("list_policy_versions").paginate(
            PolicyArn=arn, PaginationConfig={"PageSize": 2}
        )
    )
    found = [v["VersionId"] for page in pages for v in page["Versions"]]
    assert found == ["v6", "v5", "v4", "v3", "v1"]


def test_version_errors(iam: Any, account: Any) -> None:
    arn = iam.create_policy(PolicyName="p", PolicyDocument=POLICY)["Policy"]["Arn"]
    missing = f"arn:aws:iam::{account.account_id}:policy/TestNonExistingPolicy"
    cases = [
        (lambda: iam.get_policy_version(PolicyArn=missing, VersionId="v1"), missing, "v1"),
        (lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v9"), arn, "v9"),
        (lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v9"), arn, "v9"),
        (lambda: iam.set_default_policy_version(PolicyArn=missing, VersionId="v1"), missing, "v1"),
        (lambda: iam.set_default_policy_version(PolicyArn=arn, VersionId="v4"), arn, "v4"),
    ]
    for call, policy_arn, version_id in cases:
        with pytest.raises(ClientError) as excinfo:
            call()
        message = f"Policy {policy_arn} version {version_id} does not exist or is not attachable."
        assert error_of(excinfo) == ("NoSuchEntity", message, 404)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
        409,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.set_default_policy_version(PolicyArn=arn, VersionId="1")
    assert error_of(excinfo)[0] == "ValidationError"


def test_aws_managed_policy(iam: Any) -> None:
    policy = iam.get_policy(PolicyArn=AWS_POLICY)["Policy"]
    assert policy["PolicyName"] == "IAMUserChangePassword"
    assert policy["DefaultVersionId"] == "v5"
    assert policy["Tags"] == []
    assert (policy["AttachmentCount"], policy["IsAttachable"]) == (0, True)
    version = iam.get_policy_version(PolicyArn=AWS_POLICY, VersionId="v5")["PolicyVersion"]
    assert version["IsDefaultVersion"] is True
    assert version["Document"]["Version"] == "2012-10-17"
    # AWS keeps every version of its policies, and its description (recorded answer).
    assert policy["Description"] == (
        "Provides the ability for an IAM user to change their own password."
    )
    assert versions(iam, AWS_POLICY) == [
        ("v5", True),
        ("v4", False),
        ("v3", False),
        ("v2", False),
        ("v1", False),
    ]
    first = iam.get_policy_version(PolicyArn=AWS_POLICY, VersionId="v1")["PolicyVersion"]
    assert first["IsDefaultVersion"] is False
    assert first["CreateDate"] <= version["CreateDate"]
    assert first["Document"] != version["Document"]
    with pytest.raises(ClientError) as excinfo:
        iam.get_policy_version(PolicyArn=AWS_POLICY, VersionId="v6")
    assert error_of(excinfo)[0] == "NoSuchEntity"
    assert iam.list_policy_tags(PolicyArn=AWS_POLICY)["Tags"] == []
    missing = "arn:aws:iam::aws:policy/Nonexistent"
    with pytest.raises(ClientError) as excinfo:
        iam.get_policy(PolicyArn=missing)
    assert error_of(excinfo) == ("NoSuchEntity", f"Policy {missing} was not found.", 404)


def test_aws_managed_policies_cannot_change(iam: Any) -> None:
    cases = [
        (lambda: iam.delete_policy(PolicyArn=AWS_POLICY), "Cannot delete policies"),
        (
            lambda: iam.delete_policy_version(PolicyArn=AWS_POLICY, VersionId="v1"),
            "Cannot delete policy versions for policies",
        ),
        (
            lambda: iam.set_default_policy_version(PolicyArn=AWS_POLICY, VersionId="v1"),
            "Cannot update policies",
        ),
        (
            lambda: iam.create_policy_version(PolicyArn=AWS_POLICY, PolicyDocument=POLICY),
            "Cannot create versions for policies",
        ),
    ]
    for call, refusal in cases:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("AccessDenied", f"{refusal} outside your own account.", 403)


def test_not_an_arn(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_policy(PolicyArn="longpolicynamebutnoarn")
    assert error_of(excinfo) == ("ValidationError", "ARN longpolicynamebutnoarn is not valid.", 400)


def test_policy_tags(iam: Any) -> None:
    tags = [{"Key": "somekey", "Value": "somevalue"}, {"Key": "someotherkey", "Value": "v"}]
    created = iam.create_policy(PolicyName="tagged", PolicyDocument=POLICY, Tags=tags)["Policy"]
    arn = created["Arn"]
    assert created["Tags"] == tags
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == tags
    page1 = iam.list_policy_tags(PolicyArn=arn, MaxItems=1)
    assert (page1["Tags"], page1["IsTruncated"]) == (tags[:1], True)
    page2 = iam.list_policy_tags(PolicyArn=arn, Marker=page1["Marker"])
    assert (page2["Tags"], page2["IsTruncated"]) == (tags[1:], False)

    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "somekey", "Value": ""}])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"][0] == {"Key": "somekey", "Value": ""}
    iam.untag_policy(PolicyArn=arn, TagKeys=["somekey"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == tags[1:]
    iam.untag_policy(PolicyArn=arn, TagKeys=["someotherkey"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == []


def test_policy_tag_keys_are_case_sensitive_and_listed_shortest_first(iam: Any) -> None:
    tags = [
        {"Key": "abc", "Value": "first"},
        {"Key": "b", "Value": "second"},
        {"Key": "z", "Value": "third"},
        {"Key": "a", "Value": "fourth"},
        {"Key": "A", "Value": "fifth"},
    ]
    created = iam.create_policy(PolicyName="t", PolicyDocument=POLICY, Tags=tags)["Policy"]
    assert created["Tags"] == tags
    listed = [t["Key"] for t in iam.list_policy_tags(PolicyArn=created["Arn"])["Tags"]]
    assert listed == ["A", "a", "b", "z", "abc"]
    iam.untag_policy(PolicyArn=created["Arn"], TagKeys=["a"])
    listed = [t["Key"] for t in iam.list_policy_tags(PolicyArn=created["Arn"])["Tags"]]
    assert listed == ["A", "b", "z", "abc"]


def test_policy_tag_errors(iam: Any) -> None:
    duplicate = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="dup", PolicyDocument=POLICY, Tags=duplicate)
    assert error_of(excinfo) == ("InvalidInput", "Duplicate tag keys found.", 400)
    arn = iam.create_policy(PolicyName="full", PolicyDocument=POLICY)["Policy"]["Arn"]
    with pytest.raises(ClientError) as excinfo:
        iam.tag_policy(PolicyArn=arn, Tags=duplicate)
    assert error_of(excinfo) == ("InvalidInput", "Duplicate tag keys found.", 400)
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ClientError) as excinfo:
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    assert error_of(excinfo) == (
        "LimitExceeded",
        "The number of tags has reached the maximum limit.",
        409,
    )


def test_list_local_policies_paginates(iam: Any) -> None:
    for index in range(7):
        iam.create_policy(PolicyName=f"policy-{index}", PolicyDocument=POLICY)
    names = collect(lambda **kw: iam.list_policies(Scope="Local", MaxItems=3, **kw))
    assert names == [f"policy-{i}" for i in range(7)]


def test_list_aws_policies_pages_through_the_catalog(iam: Any) -> None:
    first = iam.list_policies(Scope="AWS", MaxItems=5)
    assert first["IsTruncated"] is True and len(first["Policies"]) == 5
    assert all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in first["Policies"])
    names = collect(lambda **kw: iam.list_policies(Scope="AWS", MaxItems=1000, **kw))
    assert len(names) == len(set(names)) == AWS_CATALOG_SIZE
    assert names == sorted(names, key=str.lower)
    service_roles = iam.list_policies(Scope="AWS", PathPrefix="/service-role/", MaxItems=1000)
    assert all(p["Path"] == "/service-role/" for p in service_roles["Policies"])


def test_list_all_merges_local_and_aws_in_order(iam: Any) -> None:
    for name in ("AAA-first", "IAMUserChangePassword", "mmm-middle", "zzz-last"):
        iam.create_policy(PolicyName=name, PolicyDocument=POLICY)
    found = []
    marker: dict[str, str] = {}
    while True:
        answer = iam.list_policies(MaxItems=250, **marker)
        found += [(p["PolicyName"].lower(), p["Arn"]) for p in answer["Policies"]]
        if not answer["IsTruncated"]:
            break
        marker = {"Marker": answer["Marker"]}
    assert len(found) == AWS_CATALOG_SIZE + 4
    assert found == sorted(found)
    same_name = [arn for name, arn in found if name == "iamuserchangepassword"]
    assert len(same_name) == 2  # the account's own and AWS's, both listed


def test_list_only_attached_and_usage_filter(iam: Any) -> None:
    local = iam.create_policy(PolicyName="local", PolicyDocument=POLICY)["Policy"]["Arn"]
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.create_policy(PolicyName="unused", PolicyDocument=POLICY)
    iam.create_user(UserName="alice", PermissionsBoundary=boundary)
    iam.attach_user_policy(UserName="alice", PolicyArn=local)
    iam.attach_user_policy(UserName="alice", PolicyArn=AWS_POLICY)

    attached = iam.list_policies(OnlyAttached=True)["Policies"]
    assert [p["PolicyName"] for p in attached] == ["boundary", "IAMUserChangePassword", "local"]
    counts = {
        p["PolicyName"]: (p["AttachmentCount"], p["PermissionsBoundaryUsageCount"])
        for p in attached
    }
    assert counts == {"boundary": (0, 1), "IAMUserChangePassword": (1, 0), "local": (1, 0)}
    permissions = iam.list_policies(OnlyAttached=True, PolicyUsageFilter="PermissionsPolicy")
    assert [p["PolicyName"] for p in permissions["Policies"]] == ["IAMUserChangePassword", "local"]
    boundaries = iam.list_policies(OnlyAttached=True, PolicyUsageFilter="PermissionsBoundary")
    assert [p["PolicyName"] for p in boundaries["Policies"]] == ["boundary"]
    local_only = iam.list_policies(OnlyAttached=True, Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local_only] == ["boundary", "local"]
    assert iam.get_policy(PolicyArn=AWS_POLICY)["Policy"]["AttachmentCount"] == 1


def test_list_policies_pagination_survives_concurrent_changes(iam: Any) -> None:
    for name in ("b", "d", "f", "h"):
        iam.create_policy(PolicyName=name, PolicyDocument=POLICY)
    first = iam.list_policies(Scope="Local", MaxItems=2)
    iam.create_policy(PolicyName="a", PolicyDocument=POLICY)
    iam.create_policy(PolicyName="e", PolicyDocument=POLICY)
    iam.delete_policy(PolicyArn=first["Policies"][1]["Arn"])
    rest = iam.list_policies(Scope="Local", Marker=first["Marker"])
    assert [p["PolicyName"] for p in rest["Policies"]] == ["e", "f", "h"]


def collect(call: Any) -> list[str]:
    found: list[str] = []
    marker: dict[str, str] = {}
    while True:
        answer = call(**marker)
        found += [p["PolicyName"] for p in answer["Policies"]]
        if not answer["IsTruncated"]:
            return found
        marker = {"Marker": answer["Marker"]}


def test_concurrent_versions_respect_the_limit(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="raced", PolicyDocument=POLICY)["Policy"]["Arn"]

    def create(_: int) -> str:
        try:
            return str(
                iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)["PolicyVersion"][
                    "VersionId"
                ]
            )
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(create, range(8)))
    created = sorted(o for o in outcomes if o.startswith("v"))
    assert len(created) == 4 and len(set(created)) == 4
    assert outcomes.count("LimitExceeded") == 4
    assert len(versions(iam, arn)) == 5


def test_aws_managed_policy_versions_page(iam: Any) -> None:
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    page = iam.list_policy_versions(PolicyArn=arn, MaxItems=10)
    assert page["IsTruncated"] is True
    assert page["Versions"][0] == {**page["Versions"][0], "VersionId": default}
    seen = [v["VersionId"] for v in page["Versions"]]
    while page["IsTruncated"]:
        page = iam.list_policy_versions(PolicyArn=arn, Marker=page["Marker"], MaxItems=50)
        seen += [v["VersionId"] for v in page["Versions"]]
    numbers = [int(version_id[1:]) for version_id in seen]
    assert numbers == sorted(numbers, reverse=True) and numbers[-1] == 1
    assert len(seen) > 100
