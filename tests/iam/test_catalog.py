"""The AWS managed policy catalog loads whole and holds the policies AWS users reach for."""

from __future__ import annotations

import gzip
import json
from datetime import UTC
from importlib import resources
from typing import Any

import pytest

from iamd.store.catalog import AwsManagedPolicy, aws_managed_policies, catalog_source

ARN_PREFIX = "arn:aws:iam::aws:policy"


def _header() -> dict[str, Any]:
    data = resources.files("iamd").joinpath("data/aws_managed_policies.json.gz").read_bytes()
    header: dict[str, Any] = json.loads(gzip.decompress(data))
    return header


def _policy(name_with_path: str) -> AwsManagedPolicy:
    return aws_managed_policies()[f"{ARN_PREFIX}/{name_with_path}"]


def test_count_matches_header_and_is_complete() -> None:
    header = _header()
    assert len(aws_managed_policies()) == header["count"] == len(header["policies"])
    assert len(aws_managed_policies()) >= 1_000


def test_source_names_package_and_version() -> None:
    assert catalog_source() == _header()["source"]
    package, _, version = catalog_source().partition("@")
    assert package and version


def test_loaded_once() -> None:
    assert aws_managed_policies() is aws_managed_policies()


def test_administrator_access_allows_everything() -> None:
    policy = _policy("AdministratorAccess")
    raw = next(p for p in _header()["policies"] if p["Arn"] == policy.arn)
    assert policy.default_version_id == raw["DefaultVersionId"] == "v1"
    assert policy.path == "/"
    assert json.loads(policy.document) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }


def test_document_text_reads_like_aws() -> None:
    assert _policy("AdministratorAccess").document.startswith('{\n    "Version": "2012-10-17"')


@pytest.mark.parametrize(
    ("name_with_path", "path"),
    [
        ("ReadOnlyAccess", "/"),
        ("AmazonS3ReadOnlyAccess", "/"),
        ("IAMFullAccess", "/"),
        ("service-role/AWSLambdaBasicExecutionRole", "/service-role/"),
        ("job-function/ViewOnlyAccess", "/job-function/"),
    ],
)
def test_well_known_policies_present(name_with_path: str, path: str) -> None:
    policy = _policy(name_with_path)
    assert policy.path == path
    assert policy.policy_name == name_with_path.rsplit("/", 1)[-1]
    assert policy.arn == f"{ARN_PREFIX}/{name_with_path}"


def test_s3_read_only_grants_s3_reads() -> None:
    statements = json.loads(_policy("AmazonS3ReadOnlyAccess").document)["Statement"]
    actions = {action for statement in statements for action in _as_list(statement["Action"])}
    assert {"s3:Get*", "s3:List*"} <= actions


def test_lambda_basic_execution_role_writes_logs() -> None:
    document = json.loads(_policy("service-role/AWSLambdaBasicExecutionRole").document)
    actions = {a for statement in document["Statement"] for a in _as_list(statement["Action"])}
    assert "logs:PutLogEvents" in actions


def test_every_document_parses_as_a_policy() -> None:
    versions = {json.loads(p.document)["Version"] for p in aws_managed_policies().values()}
    assert versions <= {"2012-10-17", "2008-10-17"}


def test_every_policy_id_looks_like_aws() -> None:
    bad = [p.arn for p in aws_managed_policies().values() if not _is_policy_id(p.policy_id)]
    assert bad == []


def test_every_arn_is_prefix_path_and_name() -> None:
    bad = [
        p.arn
        for p in aws_managed_policies().values()
        if p.arn != f"{ARN_PREFIX}{p.path}{p.policy_name}" or not p.path.endswith("/")
    ]
    assert bad == []


def test_every_policy_has_version_and_utc_dates() -> None:
    bad = [
        p.arn
        for p in aws_managed_policies().values()
        if not p.default_version_id.startswith("v")
        or p.create_date.tzinfo != UTC
        or p.create_date > p.update_date
    ]
    assert bad == []


def test_policy_ids_are_unique() -> None:
    ids = [policy.policy_id for policy in aws_managed_policies().values()]
    assert len(set(ids)) == len(ids)


def _is_policy_id(policy_id: str) -> bool:
    return policy_id.startswith("ANPA") and len(policy_id) == 21 and policy_id.isalnum()


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_descriptions_are_aws_own() -> None:
    assert _policy("AdministratorAccess").description == (
        "Provides full access to AWS services and resources."
    )
    described = [p for p in aws_managed_policies().values() if p.description]
    assert len(described) >= len(aws_managed_policies()) - 5


def test_no_description_carries_its_source_s_code() -> None:
    """Descriptions come from doc comments; none may run into the code around them (the
    first member's once took the class's comment and declaration with it)."""
    assert _policy("aws-service-role/AccessAnalyzerServiceRolePolicy").description == (
        "Allow Access Analyzer to analyze resource metadata"
    )
    leaked = [
        p.policy_name
        for p in aws_managed_policies().values()
        if any(code in (p.description or "") for code in ("*/", "/**", "declare ", "static "))
    ]
    assert leaked == []


def test_deprecated_policies_say_so_as_aws_does() -> None:
    """AWS marks a deprecated managed policy in its description, and so does the catalog."""
    description = _policy("AmazonElasticMapReduceFullAccess").description or ""
    assert description.startswith("This policy is on a deprecation path.")


def test_every_version_is_kept_newest_first() -> None:
    from iamd.store.catalog_versions import aws_policy_versions

    policy = _policy("IAMUserChangePassword")
    versions = aws_policy_versions(policy)
    assert [v.version_id for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert versions[0].document == policy.document
    dates = [v.create_date for v in versions]
    assert dates == sorted(dates, reverse=True)
    assert all(json.loads(v.document)["Version"] == "2012-10-17" for v in versions)
    assert aws_policy_versions(policy) == versions  # read once
