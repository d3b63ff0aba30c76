"""AWS's table of service-linked roles loads whole and every row is shaped as AWS's are."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from iamd.store.catalog import aws_managed_policies
from iamd.store.linked_services import find_linked_service, linked_services

# AWS's service principals: lowercase labels under amazonaws.com.
PRINCIPAL = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com")


FIELDS = {"AWSServiceName", "RoleName", "Policies"}


def raw_rows() -> list[dict[str, Any]]:
    text = resources.files("iamd").joinpath("data/service_linked_roles.json").read_text()
    table = json.loads(text)
    assert table["count"] == len(table["roles"])
    rows: list[dict[str, Any]] = table["roles"]
    return rows


def test_table_is_loaded_once_and_large() -> None:
    assert linked_services() is linked_services()
    assert len(linked_services()) == len(raw_rows()) == 187


def test_rows_are_sorted_and_sourced() -> None:
    rows = raw_rows()
    assert [row["AWSServiceName"] for row in rows] == sorted(row["AWSServiceName"] for row in rows)
    sources = [row["Source"] for row in rows]
    assert (sources.count("recorded"), sources.count("documented")) == (71, 116)


def test_evidence_names_aws_pages_and_what_they_show() -> None:
    evidenced = [row for row in raw_rows() if "Evidence" in row]
    assert all(row["Source"] == "documented" for row in evidenced)
    for row in evidenced:
        for item in row["Evidence"]:
            assert item["Url"].startswith("https://docs.aws.amazon.com/"), row["AWSServiceName"]
            assert item["Names"] and set(item["Names"]) <= FIELDS
    complete = [r for r in evidenced if {n for e in r["Evidence"] for n in e["Names"]} == FIELDS]
    assert len(complete) >= 14


def test_every_row_is_shaped_as_aws_names_roles() -> None:
    for name, service in linked_services().items():
        assert PRINCIPAL.fullmatch(name), name
        assert service.role_name.startswith("AWSServiceRoleFor"), name
        assert len(service.role_name) <= 64
        assert service.path == f"/aws-service-role/{name}/"
        assert service.policy_names, name


def test_attached_policies_are_aws_service_role_policies() -> None:
    catalog = aws_managed_policies()
    known = [
        name
        for service in linked_services().values()
        for name in service.policy_names
        if f"arn:aws:iam::aws:policy/{name}" in catalog
    ]
    every = [name for service in linked_services().values() for name in service.policy_names]
    assert all(name.startswith("aws-service-role/") for name in every)
    assert len(known) >= len(every) - 2  # the catalog may trail AWS by a policy or two


def test_trust_policy_names_only_the_service() -> None:
    service = find_linked_service("custom-resource.application-autoscaling.amazonaws.com")
    assert service is not None
    assert service.role_name == "AWSServiceRoleForApplicationAutoScaling_CustomResource"
    assert json.loads(service.trust_policy())["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "custom-resource.application-autoscaling.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    assert service.policy_arns("aws-cn") == [
        "arn:aws-cn:iam::aws:policy/aws-service-role/AWSApplicationAutoScalingCustomResourcePolicy"
    ]


def test_only_some_services_take_a_custom_suffix() -> None:
    allowed = {name for name, row in linked_services().items() if row.allows_custom_suffix}
    assert allowed == {"autoscaling.amazonaws.com", "connect.amazonaws.com", "lexv2.amazonaws.com"}
    assert find_linked_service("ECS.amazonaws.com") is None
