"""GetAccountAuthorizationDetails through boto3: each filter, the shapes of AWS's
recorded answers (``aws-recorded/iam/account_authorization_details.json``), and
paging across entity kinds."""

from __future__ import annotations

import json
from typing import Any

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}
TAGS = [
    {"Key": "somekey", "Value": "somevalue"},
    {"Key": "someotherkey", "Value": "someothervalue"},
]
S3_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonS3FullAccess"


def _details(iam: Any, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = iam.get_account_authorization_details(**params)
    answer.pop("ResponseMetadata")
    return answer


def _policy(iam: Any, name: str = "details-policy") -> dict[str, Any]:
    created: dict[str, Any] = iam.create_policy(
        PolicyName=name, PolicyDocument=json.dumps(DOCUMENT)
    )["Policy"]
    return created


def _role(iam: Any, name: str, path: str = "/") -> dict[str, Any]:
    created: dict[str, Any] = iam.create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST)
    )["Role"]
    return created


def test_filter_user(iam: Any) -> None:
    user = iam.create_user(UserName="details-user", Tags=TAGS)["User"]
    iam.create_group(GroupName="details-group")
    iam.add_user_to_group(GroupName="details-group", UserName="details-user")
    policy = _policy(iam)
    iam.attach_user_policy(UserName="details-user", PolicyArn=policy["Arn"])
    iam.put_user_policy(
        UserName="details-user", PolicyName="inline", PolicyDocument=json.dumps(DOCUMENT)
    )
    assert _details(iam, Filter=["User"]) == {
        "UserDetailList": [
            {
                "Path": "/",
                "UserName": "details-user",
                "UserId": user["UserId"],
                "Arn": user["Arn"],
                "CreateDate": user["CreateDate"],
                "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": DOCUMENT}],
                "GroupList": ["details-group"],
                "AttachedManagedPolicies": [
                    {"PolicyName": "details-policy", "PolicyArn": policy["Arn"]}
                ],
                "Tags": TAGS,
            }
        ],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
        "IsTruncated": False,
    }


def test_filter_group(iam: Any) -> None:
    group = iam.create_group(GroupName="details-group")["Group"]
    policy = _policy(iam)
    iam.attach_group_policy(GroupName="details-group", PolicyArn=policy["Arn"])
    iam.put_group_policy(
        GroupName="details-group", PolicyName="inline", PolicyDocument=json.dumps(DOCUMENT)
    )
    assert _details(iam, Filter=["Group"])["GroupDetailList"] == [
        {
            "Path": "/",
            "GroupName": "details-group",
            "GroupId": group["GroupId"],
            "Arn": group["Arn"],
            "CreateDate": group["CreateDate"],
            "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": DOCUMENT}],
            "AttachedManagedPolicies": [
                {"PolicyName": "details-policy", "PolicyArn": policy["Arn"]}
            ],
        }
    ]


def test_filter_role(iam: Any) -> None:
    role = _role(iam, "details-role", path="/my-path/")
    iam.tag_role(RoleName="details-role", Tags=TAGS)
    policy = _policy(iam)
    iam.attach_role_policy(RoleName="details-role", PolicyArn=policy["Arn"])
    iam.put_role_policy(
        RoleName="details-role", PolicyName="inline", PolicyDocument=json.dumps(DOCUMENT)
    )
    profile = iam.create_instance_profile(InstanceProfileName="details-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="details-profile", RoleName="details-role")
    role_summary = {
        "Path": "/my-path/",
        "RoleName": "details-role",
        "RoleId": role["RoleId"],
        "Arn": role["Arn"],
        "CreateDate": role["CreateDate"],
        "AssumeRolePolicyDocument": TRUST,
    }
    answer = _details(iam, Filter=["Role"])
    assert answer["UserDetailList"] == answer["GroupDetailList"] == answer["Policies"] == []
    assert answer["RoleDetailList"] == [
        {
            **role_summary,
            "InstanceProfileList": [
                {
                    "Path": "/",
                    "InstanceProfileName": "details-profile",
                    "InstanceProfileId": profile["InstanceProfileId"],
                    "Arn": profile["Arn"],
                    "CreateDate": profile["CreateDate"],
                    "Roles": [role_summary],
                }
            ],
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": DOCUMENT}],
            "AttachedManagedPolicies": [
                {"PolicyName": "details-policy", "PolicyArn": policy["Arn"]}
            ],
            "Tags": TAGS,
            "RoleLastUsed": {},
        }
    ]


def test_filter_local_managed_policy_lists_every_version(iam: Any) -> None:
    policy = _policy(iam)
    second = {**DOCUMENT, "Statement": [{**DOCUMENT["Statement"][0], "Action": "s3:*"}]}
    version = iam.create_policy_version(
        PolicyArn=policy["Arn"], PolicyDocument=json.dumps(second), SetAsDefault=True
    )["PolicyVersion"]
    [detail] = _details(iam, Filter=["LocalManagedPolicy"])["Policies"]
    versions = detail.pop("PolicyVersionList")
    assert detail == {
        "PolicyName": "details-policy",
        "PolicyId": policy["PolicyId"],
        "Arn": policy["Arn"],
        "Path": "/",
        "DefaultVersionId": "v2",
        "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": policy["CreateDate"],
        "UpdateDate": detail["UpdateDate"],
    }
    assert versions == [
        {
            "Document": second,
            "VersionId": "v2",
            "IsDefaultVersion": True,
            "CreateDate": version["CreateDate"],
        },
        {
            "Document": DOCUMENT,
            "VersionId": "v1",
            "IsDefaultVersion": False,
            "CreateDate": policy["CreateDate"],
        },
    ]


def test_aws_managed_policies_only_while_in_use(iam: Any) -> None:
    assert _details(iam, Filter=["AWSManagedPolicy"])["Policies"] == []
    iam.create_user(UserName="details-user")
    _role(iam, "details-role")
    iam.attach_user_policy(UserName="details-user", PolicyArn=S3_FULL_ACCESS)
    iam.attach_role_policy(RoleName="details-role", PolicyArn=S3_FULL_ACCESS)
    [detail] = _details(iam, Filter=["AWSManagedPolicy"])["Policies"]
    assert detail["Arn"] == S3_FULL_ACCESS
    assert detail["PolicyName"] == "AmazonS3FullAccess"
    assert detail["AttachmentCount"] == 2
    assert detail["PermissionsBoundaryUsageCount"] == 0
    assert detail["IsAttachable"] is True
    [default] = [v for v in detail["PolicyVersionList"] if v["IsDefaultVersion"]]
    assert default["VersionId"] == detail["DefaultVersionId"]
    assert default["Document"]["Statement"][0]["Effect"] == "Allow"


def test_no_filter_shapes(iam: Any) -> None:
    iam.create_user(UserName="details-user")
    iam.create_group(GroupName="details-group")
    _role(iam, "details-role")
    _policy(iam)
    answer = _details(iam)
    [user] = answer["UserDetailList"]
    assert "UserPolicyList" not in user  # AWS leaves an empty one out
    assert (user["GroupList"], user["AttachedManagedPolicies"], user["Tags"]) == ([], [], [])
    [group] = answer["GroupDetailList"]
    assert (group["GroupPolicyList"], group["AttachedManagedPolicies"]) == ([], [])
    [role] = answer["RoleDetailList"]
    assert role["InstanceProfileList"] == role["RolePolicyList"] == role["Tags"] == []
    assert role["RoleLastUsed"] == {}
    assert [p["PolicyName"] for p in answer["Policies"]] == ["details-policy"]
    assert answer["IsTruncated"] is False
    assert "Marker" not in answer


def test_permissions_boundary_is_shown_and_counted(iam: Any) -> None:
    policy = _policy(iam)
    iam.create_user(UserName="bounded", PermissionsBoundary=policy["Arn"])
    answer = _details(iam, Filter=["User", "LocalManagedPolicy"])
    assert answer["UserDetailList"][0]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": policy["Arn"],
    }
    assert answer["Policies"][0]["PermissionsBoundaryUsageCount"] == 1


def test_pages_cut_across_kinds(iam: Any) -> None:
    for name in ("user-a", "user-b", "user-c"):
        iam.create_user(UserName=name)
    for name in ("group-a", "group-b"):
        iam.create_group(GroupName=name)
    _role(iam, "role-a")
    _policy(iam, "policy-a")
    iam.attach_user_policy(UserName="user-a", PolicyArn=S3_FULL_ACCESS)

    whole = _details(iam)
    pages = []
    marker: dict[str, str] = {}
    while True:
        page = _details(iam, MaxItems=2, **marker)
        pages.append(page)
        if not page["IsTruncated"]:
            break
        marker = {"Marker": page["Marker"]}
    kinds = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    assert all(sum(len(page[kind]) for kind in kinds) <= 2 for page in pages)
    assert len(pages) == 4  # 3 users, 2 groups, 1 role, 1 local and 1 AWS policy
    for kind in kinds:
        assert [item for page in pages for item in page[kind]] == whole[kind]


def test_paginator_walks_every_page(iam: Any) -> None:
    for name in ("user-a", "user-b", "user-c"):
        iam.create_user(UserName=name)
    paginator = iam.get_paginator("get_account_authorization_details")
    names = [
        user["UserName"]
        for page in paginator.paginate(Filter=["User"], PaginationConfig={"PageSize": 1})
        for user in page["UserDetailList"]
    ]
    assert names == ["user-a", "user-b", "user-c"]
