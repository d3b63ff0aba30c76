"""iamd.protocol.validate: AWS's exact ValidationError texts.

The expected messages are copied from responses of real AWS recorded in
shared/aws-recorded (iam/*.json, sts/sts.json); each test names its recording.
"""

from __future__ import annotations

import json

import pytest

from iamd.errors import ValidationError
from iamd.protocol import parse_request, serialize_error, service_model
from iamd.protocol.validate import validate

IAM = service_model("iam")
STS = service_model("sts")
TAG_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"


def message(service: str, action: str, *fields: tuple[str, str]) -> str:
    model = IAM if service == "iam" else STS
    form = [("Action", action), ("Version", model.api_version), *fields]
    with pytest.raises(ValidationError) as caught:
        parse_request(model, form)
    assert caught.value.status == 400 and caught.value.code == "ValidationError"
    return caught.value.message


def tags(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    fields = []
    for index, (key, value) in enumerate(pairs, 1):
        fields += [(f"Tags.member.{index}.Key", key), (f"Tags.member.{index}.Value", value)]
    return fields


def one(path: str, constraint: str, value: str | None = None) -> str:
    subject = "Value" if value is None else f"Value '{value}'"
    return (
        f"1 validation error detected: {subject} at '{path}' failed to satisfy constraint: "
        f"{constraint}"
    )


def test_password_policy_ranges_in_aws_order() -> None:
    # iam/account_password_policy.json: test_update_account_password_policy_validation_errors
    got = message(
        "iam",
        "UpdateAccountPasswordPolicy",
        ("MaxPasswordAge", "1096"),
        ("MinimumPasswordLength", "129"),
        ("PasswordReusePrevention", "25"),
    )
    assert got == (
        "3 validation errors detected: Value at 'minimumPasswordLength' failed to satisfy "
        "constraint: Member must have value less than or equal to 128; Value at "
        "'passwordReusePrevention' failed to satisfy constraint: Member must have value less "
        "than or equal to 24; Value at 'maxPasswordAge' failed to satisfy constraint: Member "
        "must have value less than or equal to 1095"
    )


def test_oidc_provider_list_members_and_url() -> None:
    # iam/oidc.json: test_create_open_id_connect_provider_validation_errors
    got = message(
        "iam",
        "CreateOpenIDConnectProvider",
        ("Url", "https://" + "a" * 260),
        ("ClientIDList.member.1", "c" * 256),
        ("ThumbprintList.member.1", "0" * 39),
    )
    assert got == (
        "3 validation errors detected: Value at 'clientIDList' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 255, "
        "Member must have length greater than or equal to 1]; Value at 'thumbprintList' failed "
        "to satisfy constraint: Member must satisfy constraint: [Member must have length less "
        "than or equal to 40, Member must have length greater than or equal to 40]; Value at "
        "'url' failed to satisfy constraint: Member must have length less than or equal to 255"
    )


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("CreateRole", [("RoleName", "r"), ("AssumeRolePolicyDocument", "{}")]),
        ("TagRole", [("RoleName", "r")]),
        ("CreatePolicy", [("PolicyName", "p"), ("PolicyDocument", "{}")]),
        ("TagPolicy", [("PolicyArn", "arn:aws:iam::111111111111:policy/p")]),
    ],
)
def test_tag_constraints(action: str, fields: list[tuple[str, str]]) -> None:
    # iam/roles.json: test_role_tag_errors; iam/policies.json: test_policy_tag_*_errors
    too_many = tags(*[(f"k{i}", "v") for i in range(51)])
    length_50 = "Member must have length less than or equal to 50"
    assert message("iam", action, *fields, *too_many) == one("tags", length_50)
    long_key = "Member must have length less than or equal to 128"
    assert message("iam", action, *fields, *tags(("k" * 129, "v"))) == one(
        "tags.1.member.key", long_key
    )
    long_value = "Member must have length less than or equal to 256"
    assert message("iam", action, *fields, *tags(("k", "v" * 257))) == one(
        "tags.1.member.value", long_value
    )
    pattern = f"Member must satisfy regular expression pattern: {TAG_PATTERN}"
    assert message("iam", action, *fields, *tags(("bad*key", "v"))) == one(
        "tags.1.member.key", pattern
    )


@pytest.mark.parametrize("action", ["UntagRole", "UntagPolicy"])
def test_tag_keys_report_all_member_constraints(action: str) -> None:
    # iam/roles.json: test_role_tag_errors; iam/policies.json: test_policy_tag_update_errors
    target = (
        ("RoleName", "r") if action == "UntagRole" else ("PolicyArn", "arn:aws:iam::1:policy/p")
    )
    keys = [(f"TagKeys.member.{i}", f"k{i}") for i in range(1, 52)]
    length_50 = "Member must have length less than or equal to 50"
    assert message("iam", action, target, *keys) == one("tagKeys", length_50)
    bracket = (
        "Member must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, Member must satisfy regular "
        f"expression pattern: {TAG_PATTERN}, Member must not be null]"
    )
    for bad in ("k" * 129, "bad*key"):
        assert message("iam", action, target, ("TagKeys.member.1", bad)) == one("tagKeys", bracket)


def test_policy_version_id_pattern() -> None:
    # iam/policies.json: test_policy_version_errors (err-set-default-invalid-version-format)
    got = message(
        "iam",
        "SetDefaultPolicyVersion",
        ("PolicyArn", "arn:aws:iam::111111111111:policy/p"),
        ("VersionId", "wrong"),
    )
    pattern = r"Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?"
    assert got == one("versionId", pattern)


def test_service_specific_credential_id_pattern_and_status_enum() -> None:
    # iam/general.json: test_user_match_id_mismatch, test_invalid_update_parameters
    bad_id = ("ServiceSpecificCredentialId", "totally-wrong-credential-id-with-hyphens")
    got = message("iam", "DeleteServiceSpecificCredential", bad_id)
    assert got == one(
        "serviceSpecificCredentialId", r"Member must satisfy regular expression pattern: [\w]+"
    )
    status = message(
        "iam",
        "UpdateServiceSpecificCredential",
        ("ServiceSpecificCredentialId", "ACCA12345678901234567"),
        ("Status", "Invalid"),
    )
    assert status == one("status", "Member must satisfy enum value set")


def test_path_length() -> None:
    # iam/mfa.json: test_virtual_mfa_device_errors (create-path-too-long-error)
    path = "/" + "a" * 512 + "/"
    got = message("iam", "CreateVirtualMFADevice", ("VirtualMFADeviceName", "d"), ("Path", path))
    assert got == one("path", "Member must have length less than or equal to 512")


def test_sts_quotes_the_value() -> None:
    # sts/sts.json: test_sts_invalid_parameters, test_assume_role_session_name_too_long
    role = ("RoleArn", "arn:aws:iam::111111111111:role/r")
    got = message("sts", "AssumeRole", role, ("RoleSessionName", "Session1:2"))
    pattern = r"Member must satisfy regular expression pattern: [\w+=,.@-]*"
    assert got == one("roleSessionName", pattern, "Session1:2")
    long_name = "s" * 65
    got = message("sts", "AssumeRole", role, ("RoleSessionName", long_name))
    length = "Member must have length less than or equal to 64"
    assert got == one("roleSessionName", length, long_name)


def test_sts_federation_policy_too_long() -> None:
    # sts/sts.json: test_federation_token_policy_too_long
    statement = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"]}
    resource = "arn:aws:s3:::my-example-bucket-with-long-name/folder-name-{}/*"
    statements = [{**statement, "Resource": resource.format(i)} for i in range(30)]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    got = message("sts", "GetFederationToken", ("Name", "user"), ("Policy", policy))
    assert got == one("policy", "Member must have length less than or equal to 2048", policy)


def test_missing_required_members() -> None:
    # AWS's constraint text for an absent member; IAM, which never quotes values, says
    # "Value at", STS "Value null at".
    assert message("iam", "CreateUser") == one("userName", "Member must not be null")
    sts = message("sts", "AssumeRole", ("RoleSessionName", "session"))
    assert sts == (
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: "
        "Member must not be null"
    )
    nested = message("iam", "TagUser", ("UserName", "u"), ("Tags.member.1.Key", "k"))
    assert nested == one("tags.1.member.value", "Member must not be null")


def test_max_items_range() -> None:
    got = message("iam", "ListUsers", ("MaxItems", "100000"))
    assert got == one("maxItems", "Member must have value less than or equal to 1000")
    got = message("iam", "ListUsers", ("MaxItems", "0"))
    assert got == one("maxItems", "Member must have value greater than or equal to 1")


def test_one_value_failing_two_constraints() -> None:
    got = message("iam", "CreateUser", ("UserName", ""))
    assert got == (
        "2 validation errors detected: Value at 'userName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; Value at 'userName' failed to "
        r"satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
    )


def test_oversize_strings() -> None:
    document = "{" + " " * 131072 + "}"
    got = message("iam", "PutUserPolicy", ("UserName", "u"), ("PolicyName", "p"),
                  ("PolicyDocument", document))  # fmt: skip
    assert got == one("policyDocument", "Member must have length less than or equal to 131072")


def test_sensitive_values_are_never_quoted() -> None:
    got = message(
        "sts",
        "AssumeRoleWithSAML",
        ("RoleArn", "arn:aws:iam::111111111111:role/r"),
        ("PrincipalArn", "arn:aws:iam::111111111111:saml-provider/p"),
        ("SAMLAssertion", "abc"),
    )
    assert got == one("sAMLAssertion", "Member must have length greater than or equal to 4")


def test_length_counts_utf16_units_as_java_does() -> None:
    # 64 code points, 128 UTF-16 units: too long for a 64-character session name.
    shape = STS.operation_model("AssumeRole").input_shape
    params = {"RoleArn": "arn:aws:iam::111111111111:role/r", "RoleSessionName": "😀" * 64}
    assert [v.constraint for v in validate(shape, params, reveal_values=True)] == [
        "Member must have length less than or equal to 64",
        r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
    ]


def test_sts_enum_lists_its_values() -> None:
    enums = [
        (operation, name)
        for operation in map(STS.operation_model, STS.operation_names)
        for name, member in operation.input_shape.members.items()
        if member.metadata.get("enum")
    ]
    if not enums:
        pytest.skip("this botocore's STS model has no enum input")
    operation, member = enums[0]
    shape = operation.input_shape
    params = {name: "x" for name in shape.required_members} | {member: "Bogus"}
    texts = [v.text() for v in validate(shape, params, reveal_values=True)]
    assert any("Member must satisfy enum value set: [" in text for text in texts)


# --- characters XML 1.0 cannot carry: iamd's rule, in every string -----------------------

XML_RULE = "Member must contain only characters that XML 1.0 allows"


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1f", "\ufffe", "\uffff"])
def test_a_string_without_a_pattern_refuses_characters_xml_cannot_carry(character: str) -> None:
    # arnType has no pattern in the model: only this rule stands between U+0000 and the store.
    arn = f"arn:aws:iam::123456789012:policy/p{character}"
    got = message("iam", "AttachUserPolicy", ("UserName", "u"), ("PolicyArn", arn))
    assert got == one("policyArn", XML_RULE)


def test_a_value_the_model_pattern_refuses_is_not_reported_twice() -> None:
    got = message("iam", "CreateUser", ("UserName", "a\x00b"))
    assert got == one("userName", r"Member must satisfy regular expression pattern: [\w+=,.@-]+")


def test_a_revealed_value_is_quoted_and_only_the_answer_replaces_the_character() -> None:
    got = message("sts", "DecodeAuthorizationMessage", ("EncodedMessage", "m\x00"))
    assert got == one("encodedMessage", XML_RULE, "m\x00")
    _, body = serialize_error(ValidationError(got), "request-id", service="sts")
    assert b"Value 'm\xef\xbf\xbd' at" in body


def test_list_members_report_the_rule_in_brackets() -> None:
    got = message(
        "iam",
        "CreateOpenIDConnectProvider",
        ("Url", "https://example.com"),
        ("ClientIDList.member.1", "client\x00"),
    )
    assert got == one(
        "clientIDList",
        "Member must satisfy constraint: [Member must have length less than or equal to 255, "
        f"Member must have length greater than or equal to 1, {XML_RULE}]",
    )


@pytest.mark.parametrize("text", ["tab\tnew line\ncarriage\r", "\ud7ff\ue000\ufffd\U0010ffff"])
def test_every_character_xml_allows_passes(text: str) -> None:
    form = [("Action", "CreatePolicy"), ("Version", "2010-05-08"), ("PolicyName", "p")]
    form += [("PolicyDocument", "{}"), ("Description", "ok")]
    parse_request(IAM, form)  # the model's own patterns decide for these members
    form = [("Action", "AttachUserPolicy"), ("Version", "2010-05-08"), ("UserName", "u")]
    parse_request(IAM, [*form, ("PolicyArn", "arn:aws:iam::123456789012:policy/" + text)])
