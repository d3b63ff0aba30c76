"""The policy simulator through boto3 against a live server: SimulateCustomPolicy,
SimulatePrincipalPolicy and GetContextKeysFor{Custom,Principal}Policy, answered in
the shapes and words of AWS's IAM API Reference and its recorded examples."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

# The AWS CLI's own example (awscli/examples/iam/simulate-custom-policy.rst).
DYNAMO_AFTER_2018 = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
    '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    }
)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def only(answer: dict[str, Any]) -> dict[str, Any]:
    results = answer["EvaluationResults"]
    assert len(results) == 1
    return dict(results[0])


def custom(iam: Any, policies: list[str], actions: list[str], **params: Any) -> dict[str, Any]:
    return dict(iam.simulate_custom_policy(PolicyInputList=policies, ActionNames=actions, **params))


def context(name: str, key_type: str, *values: str) -> dict[str, Any]:
    return {"ContextKeyName": name, "ContextKeyType": key_type, "ContextKeyValues": list(values)}


# --- SimulateCustomPolicy: decisions and statements ---------------------------------------


def test_custom_policy_answers_as_the_aws_cli_example(iam: Any) -> None:
    entries = [context("aws:CurrentTime", "date", "2019-04-25T11:00:00Z")]
    result = only(
        custom(iam, [DYNAMO_AFTER_2018], ["dynamodb:CreateBackup"], ContextEntries=entries)
    )
    assert result["EvalActionName"] == "dynamodb:CreateBackup"
    assert result["EvalResourceName"] == "*"
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 1, "Column": 38},
            "EndPosition": {"Line": 1, "Column": 167},
        }
    ]
    assert result["MissingContextValues"] == []
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert "EvalDecisionDetails" not in result
    assert "ResourceSpecificResults" not in result


def test_a_condition_that_fails_is_an_implicit_deny_with_no_statements(iam: Any) -> None:
    entries = [context("aws:CurrentTime", "date", "2014-04-25T11:00:00Z")]
    result = only(
        custom(iam, [DYNAMO_AFTER_2018], ["dynamodb:CreateBackup"], ContextEntries=entries)
    )
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []


def test_an_explicit_deny_names_only_the_deny_statement(iam: Any) -> None:
    document = policy(allow("s3:*"), {**deny("s3:GetObject"), "Sid": "NoReads"})
    result = only(custom(iam, [document], ["s3:GetObject"]))
    assert result["EvalDecision"] == "explicitDeny"
    (statement,) = result["MatchedStatements"]
    assert statement["SourcePolicyId"] == "PolicyInputList.1"
    lines = document.splitlines()
    start, end = statement["StartPosition"], statement["EndPosition"]
    assert '"Sid": "NoReads"' in "\n".join(lines[start["Line"] - 1 : end["Line"]])
    assert lines[start["Line"] - 1][start["Column"] - 2] == "{"
    assert lines[end["Line"] - 1][end["Column"] - 2] == "}"


def test_policies_are_numbered_in_the_order_given(iam: Any) -> None:
    answer = custom(iam, [policy(allow("s3:ListBucket")), policy(allow("s3:*"))], ["s3:GetObject"])
    assert [s["SourcePolicyId"] for s in only(answer)["MatchedStatements"]] == ["PolicyInputList.2"]


def test_every_action_gets_a_result_in_order(iam: Any) -> None:
    answer = custom(iam, [policy(allow("iam:Get*"))], ["iam:GetUser", "iam:DeleteUser"])
    decisions = [(r["EvalActionName"], r["EvalDecision"]) for r in answer["EvaluationResults"]]
    assert decisions == [("iam:GetUser", "allowed"), ("iam:DeleteUser", "implicitDeny")]


def test_missing_context_values_name_the_keys_the_policies_read(iam: Any) -> None:
    document = policy(
        allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        allow("s3:ListBucket", "arn:aws:s3:::home/${aws:username}/*"),
    )
    result = only(custom(iam, [document], ["s3:GetObject"]))
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:SourceIp", "aws:username"]
    entries = [context("aws:SourceIp", "ip", "10.1.2.3")]
    result = only(custom(iam, [document], ["s3:GetObject"], ContextEntries=entries))
    assert result["EvalDecision"] == "allowed"
    assert result["MissingContextValues"] == ["aws:username"]


def test_the_simulator_derives_no_keys_from_the_caller(iam: Any, account: Any) -> None:
    document = policy(allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}"))
    caller = f"arn:aws:iam::{account.account_id}:user/alice"
    resource = [f"arn:aws:iam::{account.account_id}:user/alice"]
    params = {"CallerArn": caller, "ResourceArns": resource}
    result = only(custom(iam, [document], ["iam:CreateAccessKey"], **params))
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:username"]
    entries = [context("aws:username", "string", "alice")]
    result = only(
        custom(iam, [document], ["iam:CreateAccessKey"], ContextEntries=entries, **params)
    )
    assert result["EvalDecision"] == "allowed"


# --- ContextKeyType ------------------------------------------------------------------------

TYPED = [
    ("string", ["alice"], "StringEquals", "alice"),
    ("stringList", ["a", "b"], "ForAllValues:StringEquals", ["a", "b", "c"]),
    ("numeric", ["3600"], "NumericLessThan", "7200"),
    ("numericList", ["1", "2"], "ForAnyValue:NumericEquals", "2"),
    ("boolean", ["True"], "Bool", "true"),
    ("booleanList", ["false", "true"], "ForAnyValue:Bool", "true"),
    ("ip", ["192.0.2.7"], "IpAddress", "192.0.2.0/24"),
    (
        "ipList",
        ["192.0.2.7", "2001:db8::1"],
        "ForAllValues:IpAddress",
        ["192.0.2.0/24", "2001:db8::/32"],
    ),
    ("binary", ["QmluYXJ5"], "BinaryEquals", "QmluYXJ5"),
    ("binaryList", ["QQ==", "Qg=="], "ForAnyValue:BinaryEquals", "Qg=="),
    ("date", ["2030-01-01T00:00:00Z"], "DateGreaterThan", "2029-12-31T23:59:59Z"),
    ("dateList", ["1700000000", "2020-01-01"], "ForAllValues:DateLessThan", "2030-01-01"),
]


@pytest.mark.parametrize(("key_type", "values", "operator", "wanted"), TYPED)
def test_every_context_key_type_is_read_as_its_type(
    iam: Any, key_type: str, values: list[str], operator: str, wanted: Any
) -> None:
    document = policy(allow("s3:GetObject", Condition={operator: {"test:Key": wanted}}))
    entries = [context("test:Key", key_type, *values)]
    result = only(custom(iam, [document], ["s3:GetObject"], ContextEntries=entries))
    assert result["EvalDecision"] == "allowed", key_type
    assert result["MissingContextValues"] == []


@pytest.mark.parametrize(
    ("key_type", "values"),
    [
        ("numeric", ["ten"]),
        ("boolean", ["yes"]),
        ("ip", ["10.0.0.300"]),
        ("binary", ["not base64!"]),
        ("date", ["yesterday"]),
        ("numericList", ["1", "x"]),
        ("string", ["one", "two"]),
    ],
)
def test_a_value_not_of_its_type_is_invalid_input(
    iam: Any, key_type: str, values: list[str]
) -> None:
    entries = [context("test:Key", key_type, *values)]
    with pytest.raises(ClientError) as excinfo:
        custom(iam, [policy(allow("s3:*"))], ["s3:GetObject"], ContextEntries=entries)
    code, message, status = error_of(excinfo)
    assert (code, status) == ("InvalidInput", 400)
    assert "test:Key" in message


# --- boundaries, resources, resource policies ---------------------------------------------


def test_a_boundary_limits_and_reports_its_detail(iam: Any) -> None:
    boundary = policy(allow("s3:*"))
    params = {"PermissionsBoundaryPolicyInputList": [boundary]}
    answer = custom(iam, [policy(allow("*"))], ["s3:GetObject", "iam:CreateUser"], **params)
    s3, created = answer["EvaluationResults"]
    assert s3["EvalDecision"] == "allowed"
    assert s3["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert [m["SourcePolicyId"] for m in s3["MatchedStatements"]] == ["PolicyInputList.1"]
    assert created["EvalDecision"] == "implicitDeny"
    assert created["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}


def test_a_deny_in_the_boundary_is_the_matched_statement(iam: Any) -> None:
    boundary = policy(allow("*"), deny("iam:DeleteUser"))
    answer = custom(
        iam,
        [policy(allow("*"))],
        ["iam:DeleteUser"],
        PermissionsBoundaryPolicyInputList=[boundary],
    )
    result = only(answer)
    assert result["EvalDecision"] == "explicitDeny"
    ids = [m["SourcePolicyId"] for m in result["MatchedStatements"]]
    assert ids == ["PermissionsBoundaryPolicyInputList.1"]


def test_only_one_boundary_may_be_simulated(iam: Any) -> None:
    boundaries = [policy(allow("s3:*")), policy(allow("ec2:*"))]
    with pytest.raises(ClientError) as excinfo:
        custom(
            iam,
            [policy(allow("*"))],
            ["s3:GetObject"],
            PermissionsBoundaryPolicyInputList=boundaries,
        )
    assert error_of(excinfo)[0] == "InvalidInput"


def test_several_resources_answer_one_result_with_each_resources_decision(
    iam: Any, account: Any
) -> None:
    mine = f"arn:aws:iam::{account.account_id}:user/team/alice"
    other = f"arn:aws:iam::{account.account_id}:user/bob"
    document = policy(allow("iam:GetUser", f"arn:aws:iam::{account.account_id}:user/team/*"))
    result = only(custom(iam, [document], ["iam:GetUser"], ResourceArns=[mine, other]))
    assert result["EvalResourceName"] == "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
    assert result["EvalDecision"] == "implicitDeny"  # the most restrictive of the two
    assert result["MatchedStatements"] == []
    assert result["EvalDecisionDetails"] == {}
    decisions = [
        (r["EvalResourceName"], r["EvalResourceDecision"], len(r["MatchedStatements"]))
        for r in result["ResourceSpecificResults"]
    ]
    assert decisions == [(mine, "allowed", 1), (other, "implicitDeny", 0)]


def test_an_explicit_deny_on_any_resource_decides_the_result(iam: Any) -> None:
    document = policy(allow("s3:GetObject"), deny("s3:GetObject", "arn:aws:s3:::secret/*"))
    resources = ["arn:aws:s3:::public/a", "arn:aws:s3:::secret/b"]
    result = only(custom(iam, [document], ["s3:GetObject"], ResourceArns=resources))
    assert result["EvalDecision"] == "explicitDeny"
    assert result["EvalResourceName"] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert len(result["MatchedStatements"]) == 1
    assert [r["EvalResourceDecision"] for r in result["ResourceSpecificResults"]] == [
        "allowed",
        "explicitDeny",
    ]


def test_a_resource_policy_alone_grants_within_the_account(iam: Any, account: Any) -> None:
    caller = f"arn:aws:iam::{account.account_id}:user/alice"
    bucket_policy = policy(allow("s3:GetObject", Principal={"AWS": caller}))
    result = only(
        custom(
            iam,
            [policy(allow("sqs:*"))],
            ["s3:GetObject"],
            ResourceArns=["arn:aws:s3:::shared/report.csv"],
            ResourcePolicy=bucket_policy,
            CallerArn=caller,
        )
    )
    assert result["EvalDecision"] == "allowed"
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in result["MatchedStatements"]] == [
        ("ResourcePolicy", "resource")
    ]
    assert result["EvalDecisionDetails"] == {}


def test_cross_account_needs_both_sides_and_details_say_which(iam: Any, account: Any) -> None:
    caller = f"arn:aws:iam::{account.account_id}:user/alice"
    bucket_policy = policy(allow("s3:GetObject", Principal={"AWS": caller}))
    params = {
        "ResourceArns": ["arn:aws:s3:::shared/report.csv"],
        "ResourcePolicy": bucket_policy,
        "CallerArn": caller,
        "ResourceOwner": "arn:aws:iam::999988887777:root",
    }
    result = only(custom(iam, [policy(allow("sqs:*"))], ["s3:GetObject"], **params))
    assert result["EvalDecision"] == "implicitDeny"
    assert result["EvalDecisionDetails"] == {
        "IAM Policy": "implicitDeny",
        "Resource Policy": "allowed",
    }
    result = only(custom(iam, [policy(allow("s3:*"))], ["s3:GetObject"], **params))
    assert result["EvalDecision"] == "allowed"
    assert result["EvalDecisionDetails"] == {"IAM Policy": "allowed", "Resource Policy": "allowed"}
    assert {m["SourcePolicyId"] for m in result["MatchedStatements"]} == {
        "PolicyInputList.1",
        "ResourcePolicy",
    }


def test_a_resource_policy_needs_a_caller(iam: Any) -> None:
    bucket_policy = policy(allow("s3:GetObject", Principal="*"))
    with pytest.raises(ClientError) as excinfo:
        custom(iam, [policy(allow("s3:*"))], ["s3:GetObject"], ResourcePolicy=bucket_policy)
    assert error_of(excinfo)[0] == "InvalidInput"


# --- paging --------------------------------------------------------------------------------


def test_results_page_by_max_items_and_marker(iam: Any) -> None:
    actions = ["iam:GetUser", "iam:ListUsers", "iam:CreateUser"]
    first = custom(iam, [policy(allow("iam:*"))], actions, MaxItems=2)
    assert first["IsTruncated"] is True
    assert [r["EvalActionName"] for r in first["EvaluationResults"]] == actions[:2]
    rest = custom(iam, [policy(allow("iam:*"))], actions, MaxItems=2, Marker=first["Marker"])
    assert rest["IsTruncated"] is False
    assert [r["EvalActionName"] for r in rest["EvaluationResults"]] == actions[2:]
    paginator = iam.get_paginator("simulate_custom_policy")
    pages = paginator.paginate(
        PolicyInputList=[policy(allow("iam:*"))],
        ActionNames=actions,
        PaginationConfig={"PageSize": 1},
    )
    assert [r["EvalActionName"] for p in pages for r in p["EvaluationResults"]] == actions


# --- invalid input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"PolicyInputList": ["{not json"]}, "MalformedPolicyDocument"),
        ({"ActionNames": ["iam:*"]}, "InvalidInput"),
        ({"ActionNames": ["CreateUser"]}, "InvalidInput"),
        ({"ResourceArns": ["bucket"]}, "InvalidInput"),
        ({"ResourceOwner": "not-an-account"}, "InvalidInput"),
        ({"ResourceHandlingOption": "EC2-Nowhere"}, "InvalidInput"),
        ({"CallerArn": "arn:aws:sts::123456789012:assumed-role/r/s"}, "InvalidInput"),
        ({"Marker": "bm90LWEtbnVtYmVy"}, "InvalidInput"),
    ],
)
def test_invalid_input_answers_aws_errors(iam: Any, params: dict[str, Any], code: str) -> None:
    call = {"PolicyInputList": [policy(allow("*"))], "ActionNames": ["iam:GetUser"], **params}
    with pytest.raises(ClientError) as excinfo:
        iam.simulate_custom_policy(**call)
    assert error_of(excinfo)[:1] == (code,)
    assert error_of(excinfo)[2] == 400


def test_a_malformed_document_says_what_aws_says(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        custom(iam, ['{"Statement": "nope"}'], ["iam:GetUser"])
    assert error_of(excinfo) == ("MalformedPolicyDocument", "Syntax errors in policy.", 400)
    with pytest.raises(ClientError) as excinfo:
        custom(iam, [policy(allow("s3:*", Principal="*"))], ["iam:GetUser"])
    assert error_of(excinfo)[1] == "Policy document should not specify a principal."


# --- SimulatePrincipalPolicy ---------------------------------------------------------------


@pytest.fixture
def alice(iam: Any, account: Any) -> str:
    """A user with an inline policy, a managed policy, a group with one of each."""
    iam.create_user(UserName="alice")
    iam.put_user_policy(
        UserName="alice", PolicyName="ReadUsers", PolicyDocument=policy(allow("iam:GetUser"))
    )
    managed = iam.create_policy(PolicyName="ListAll", PolicyDocument=policy(allow("iam:List*")))
    iam.attach_user_policy(UserName="alice", PolicyArn=managed["Policy"]["Arn"])
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.put_group_policy(
        GroupName="devs", PolicyName="NoDeletes", PolicyDocument=policy(deny("iam:Delete*"))
    )
    iam.attach_group_policy(GroupName="devs", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    return f"arn:aws:iam::{account.account_id}:user/alice"


def principal(iam: Any, source: str, actions: list[str], **params: Any) -> dict[str, Any]:
    answer = iam.simulate_principal_policy(PolicySourceArn=source, ActionNames=actions, **params)
    return {r["EvalActionName"]: r for r in answer["EvaluationResults"]}


def test_a_users_policies_its_groups_and_attached_ones_all_count(iam: Any, alice: str) -> None:
    results = principal(
        iam,
        alice,
        ["iam:GetUser", "iam:ListRoles", "iam:DeleteUser", "iam:CreateUser", "iam:GetRole"],
    )
    ids = {
        action: [m["SourcePolicyId"] for m in r["MatchedStatements"]]
        for action, r in results.items()
    }
    assert results["iam:GetUser"]["EvalDecision"] == "allowed"
    assert "user_alice_ReadUsers" in ids["iam:GetUser"]
    assert results["iam:ListRoles"]["EvalDecision"] == "allowed"
    assert set(ids["iam:ListRoles"]) == {"ListAll", "IAMReadOnlyAccess"}
    assert results["iam:DeleteUser"]["EvalDecision"] == "explicitDeny"
    assert ids["iam:DeleteUser"] == ["group_devs_NoDeletes"]
    assert results["iam:CreateUser"]["EvalDecision"] == "implicitDeny"
    assert ids["iam:GetRole"] == ["IAMReadOnlyAccess"]
    statement = results["iam:GetUser"]["MatchedStatements"][0]
    assert statement["SourcePolicyType"] == "IAM Policy"


def test_extra_policies_and_a_boundary_join_the_users_own(iam: Any, alice: str) -> None:
    extra = policy(allow("iam:CreateUser"))
    results = principal(iam, alice, ["iam:CreateUser"], PolicyInputList=[extra])
    assert results["iam:CreateUser"]["EvalDecision"] == "allowed"
    boundary = policy(allow("iam:Get*"))
    results = principal(
        iam,
        alice,
        ["iam:CreateUser", "iam:GetUser"],
        PolicyInputList=[extra],
        PermissionsBoundaryPolicyInputList=[boundary],
    )
    assert results["iam:CreateUser"]["EvalDecision"] == "implicitDeny"
    assert results["iam:CreateUser"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False
    }
    assert results["iam:GetUser"]["EvalDecision"] == "allowed"


def test_the_users_real_boundary_applies(iam: Any, alice: str) -> None:
    boundary = iam.create_policy(PolicyName="OnlyGets", PolicyDocument=policy(allow("iam:Get*")))
    iam.put_user_permissions_boundary(
        UserName="alice", PermissionsBoundary=boundary["Policy"]["Arn"]
    )
    results = principal(iam, alice, ["iam:ListRoles", "iam:GetUser"])
    assert results["iam:ListRoles"]["EvalDecision"] == "implicitDeny"
    assert results["iam:ListRoles"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False
    }
    assert results["iam:GetUser"]["EvalDecision"] == "allowed"


def test_a_group_and_a_role_are_simulated_with_their_own_policies(
    iam: Any, alice: str, account: Any
) -> None:
    group = f"arn:aws:iam::{account.account_id}:group/devs"
    results = principal(iam, group, ["iam:GetRole", "iam:GetUser"])
    assert results["iam:GetRole"]["EvalDecision"] == "allowed"
    assert results["iam:GetUser"]["EvalDecision"] == "allowed"  # IAMReadOnlyAccess
    assert [m["SourcePolicyId"] for m in results["iam:GetUser"]["MatchedStatements"]] == [
        "IAMReadOnlyAccess"
    ]
    iam.create_role(RoleName="builder", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(
        RoleName="builder", PolicyName="Build", PolicyDocument=policy(allow("codebuild:*"))
    )
    role = f"arn:aws:iam::{account.account_id}:role/builder"
    results = principal(iam, role, ["codebuild:StartBuild", "iam:GetUser"])
    assert results["codebuild:StartBuild"]["EvalDecision"] == "allowed"
    assert [m["SourcePolicyId"] for m in results["codebuild:StartBuild"]["MatchedStatements"]] == [
        "role_builder_Build"
    ]
    assert results["iam:GetUser"]["EvalDecision"] == "implicitDeny"


def test_excluded_policies_are_left_out(iam: Any, alice: str) -> None:
    exclusions: list[dict[str, Any]] = [
        {"PolicyArn": "arn:aws:iam::aws:policy/IAMReadOnly*"},
        {
            "InlinePolicyIdentifier": {
                "PolicyName": "NoDeletes",
                "AttachmentType": "group",
                "AttachmentName": "DEVS",
            }
        },
    ]
    results = principal(
        iam, alice, ["iam:GetRole", "iam:DeleteUser"], PolicyExclusionList=exclusions
    )
    assert results["iam:GetRole"]["EvalDecision"] == "implicitDeny"
    assert results["iam:DeleteUser"]["EvalDecision"] == "implicitDeny"
    results = principal(iam, alice, ["iam:GetUser"], PolicyExclusionList=[{"PolicyType": "inline"}])
    assert results["iam:GetUser"]["EvalDecision"] == "allowed"  # IAMReadOnlyAccess still
    assert [m["SourcePolicyId"] for m in results["iam:GetUser"]["MatchedStatements"]] == [
        "IAMReadOnlyAccess"
    ]


def test_a_caller_arn_calls_with_the_sources_policies(iam: Any, alice: str, account: Any) -> None:
    bob = f"arn:aws:iam::{account.account_id}:user/bob"
    bucket_policy = policy(allow("s3:GetObject", Principal={"AWS": bob}))
    params = {"ResourceArns": ["arn:aws:s3:::b/k"], "ResourcePolicy": bucket_policy}
    assert principal(iam, alice, ["s3:GetObject"], **params)["s3:GetObject"]["EvalDecision"] == (
        "implicitDeny"
    )
    results = principal(iam, alice, ["s3:GetObject"], CallerArn=bob, **params)
    assert results["s3:GetObject"]["EvalDecision"] == "allowed"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("arn:aws:iam::{account}:user/nobody", "NoSuchEntity"),
        ("arn:aws:iam::{account}:group/nobody", "NoSuchEntity"),
        ("arn:aws:iam::{account}:role/nobody", "NoSuchEntity"),
        ("arn:aws:iam::999988887777:user/alice", "NoSuchEntity"),
        ("arn:aws:sts::{account}:assumed-role/r/s", "InvalidInput"),
        ("arn:aws:iam::{account}:policy/ListAll", "InvalidInput"),
    ],
)
def test_a_source_that_is_not_an_entity_of_the_account(
    iam: Any, alice: str, account: Any, source: str, code: str
) -> None:
    arn = source.format(account=account.account_id)
    with pytest.raises(ClientError) as excinfo:
        principal(iam, arn, ["iam:GetUser"])
    found, message, status = error_of(excinfo)
    assert found == code
    if code == "NoSuchEntity":
        assert status == 404 and message.endswith("cannot be found.")
    else:
        assert message == f"Invalid Entity Arn: {arn}"


# --- GetContextKeysFor*Policy --------------------------------------------------------------


def test_context_keys_of_custom_policies_as_the_aws_cli_example(iam: Any) -> None:
    document = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}'
    )
    answer = iam.get_context_keys_for_custom_policy(PolicyInputList=[document])
    assert answer["ContextKeyNames"] == ["aws:username", "aws:CurrentTime"]


def test_context_keys_are_listed_once_across_policies(iam: Any) -> None:
    first = policy(
        allow("s3:*", Condition={"StringLike": {"s3:prefix": "${aws:username}/*"}}),
        deny("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
    )
    second = policy(allow("ec2:*", Condition={"StringEquals": {"AWS:USERNAME": "x"}}))
    answer = iam.get_context_keys_for_custom_policy(PolicyInputList=[first, second])
    assert answer["ContextKeyNames"] == ["s3:prefix", "aws:username", "aws:MultiFactorAuthPresent"]


def test_context_keys_of_a_principal_include_its_groups(iam: Any, alice: str) -> None:
    iam.put_group_policy(
        GroupName="devs",
        PolicyName="FromTheOffice",
        PolicyDocument=policy(
            allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        ),
    )
    extra = policy(allow("ec2:*", Condition={"StringEquals": {"ec2:Region": "eu-west-1"}}))
    answer = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=alice, PolicyInputList=[extra]
    )
    assert answer["ContextKeyNames"] == ["aws:SourceIp", "ec2:Region"]


def test_simulating_needs_permission_like_any_call(
    iam: Any, make_client: Any, account: Any
) -> None:
    iam.create_user(UserName="carol")
    key = iam.create_access_key(UserName="carol")["AccessKey"]
    carol = make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:
        carol.simulate_custom_policy(PolicyInputList=[policy(allow("*"))], ActionNames=["s3:Get"])
    assert error_of(excinfo)[0] == "AccessDenied"
    iam.put_user_policy(
        UserName="carol",
        PolicyName="Simulate",
        PolicyDocument=policy(allow("iam:SimulateCustomPolicy")),
    )
    answer = carol.simulate_custom_policy(
        PolicyInputList=[policy(allow("*"))], ActionNames=["s3:Get"]
    )
    assert only(answer)["EvalDecision"] == "allowed"


def test_simulating_a_principal_is_authorized_on_that_principal(
    iam: Any, alice: str, make_client: Any, account: Any
) -> None:
    """IAM User Guide: to let Bob simulate Alice's policies, give him her user's ARN."""
    iam.create_user(UserName="bob")
    iam.put_user_policy(
        UserName="bob",
        PolicyName="SimulateAlice",
        PolicyDocument=policy(allow("iam:SimulatePrincipalPolicy", alice)),
    )
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    bob = make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert principal(bob, alice, ["iam:GetUser"])["iam:GetUser"]["EvalDecision"] == "allowed"
    carol = f"arn:aws:iam::{account.account_id}:user/bob"
    with pytest.raises(ClientError) as excinfo:
        principal(bob, carol, ["iam:GetUser"])
    assert error_of(excinfo)[0] == "AccessDenied"
