"""AWS managed policies answer with AWS's own PolicyIds where a recording of AWS gave them.

The ids asserted here were each read from AWS's answers as recorded by at least one source
of ``iamd/data/aws_managed_policy_ids.json`` (provenance in ``iamd/data/README.md``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ARN_PREFIX = "arn:aws:iam::aws:policy"
AWS_CATALOG_SIZE = 1582
POLICY_ID = re.compile(r"ANPA[A-Z2-7]{17}")
REFRESH_SCRIPT = Path(__file__).resolve().parents[2] / "scripts/refresh_managed_policies.py"

AWS_IDS = {
    "AdministratorAccess": "ANPAIWMBCKSKIEE64ZLYK",
    "ReadOnlyAccess": "ANPAILL3HVNFSB6DCOWYQ",
    "IAMFullAccess": "ANPAI7XKCFMBPM3QQRRVQ",
    "service-role/AWSLambdaBasicExecutionRole": "ANPAJNCQGXC42545SKXIK",
    "service-role/AmazonEBSCSIDriverPolicy": "ANPAZKAPJZG4IV6FHD2UE",
    "AWSDenyAll": "ANPAZKAPJZG4P43IUQ5E5",
    # Recorded only in a 2026 ListPolicies answer (policies newer than moto's snapshot).
    "AmazonDataZoneFullAccess": "ANPAZKAPJZG4M44MZFTQR",
    "AmazonEBSCSIDriverPolicyV2": "ANPAZKAPJZG4FFRTSYDTQ",
    "service-role/AmazonS3FilesCSIDriverPolicy": "ANPAZKAPJZG4IWTABJLAH",
    "aws-service-role/AWSServiceRoleForAWSTransformCustom": "ANPAZKAPJZG4ES3EBGHBU",
}


def _id_table() -> dict[str, Any]:
    text = resources.files("iamd").joinpath("data/aws_managed_policy_ids.json").read_text()
    table: dict[str, Any] = json.loads(text)
    return table


def _listed_ids(iam: Any) -> dict[str, str]:
    pages = iam.get_paginator("list_policies").paginate(Scope="AWS")
    return {p["Arn"]: p["PolicyId"] for page in pages for p in page["Policies"]}


@pytest.mark.parametrize(("name_with_path", "policy_id"), AWS_IDS.items())
def test_get_policy_answers_aws_own_id(iam: Any, name_with_path: str, policy_id: str) -> None:
    policy = iam.get_policy(PolicyArn=f"{ARN_PREFIX}/{name_with_path}")["Policy"]
    assert policy["PolicyId"] == policy_id


def test_listed_ids_are_unique_and_shaped_like_aws(iam: Any) -> None:
    ids = list(_listed_ids(iam).values())
    assert len(ids) == len(set(ids)) == AWS_CATALOG_SIZE
    assert [i for i in ids if not POLICY_ID.fullmatch(i)] == []


def test_every_id_in_the_table_is_what_the_server_lists(iam: Any) -> None:
    table = _id_table()
    listed = _listed_ids(iam)
    assert {arn: listed[arn] for arn in table["ids"]} == table["ids"]
    assert table["count"] == len(table["ids"]) >= 1501


def test_authorization_details_carry_the_real_id(iam: Any) -> None:
    iam.create_user(UserName="admin-by-aws-policy")
    admin = f"{ARN_PREFIX}/AdministratorAccess"
    iam.attach_user_policy(UserName="admin-by-aws-policy", PolicyArn=admin)
    details = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
    found = {p["Arn"]: p["PolicyId"] for p in details["Policies"]}
    assert found == {admin: AWS_IDS["AdministratorAccess"]}


def test_table_says_where_each_id_came_from() -> None:
    table = _id_table()
    names = {source["name"] for source in table["sources"]}
    assert all(source["where"] for source in table["sources"])
    assert set(table["sources_of"]) == set(table["ids"])
    assert {name for found in table["sources_of"].values() for name in found} <= names
    assert not set(table["dropped"]) & set(table["ids"])


def test_table_ids_are_unique_and_never_aws_examples() -> None:
    ids = list(_id_table()["ids"].values())
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not POLICY_ID.fullmatch(i) or "EXAMPLE" in i] == []


def _refresh_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_managed_policies", REFRESH_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_reconcile_keeps_only_ids_every_source_agrees_on() -> None:
    reconcile = _refresh_script().reconcile_ids
    catalog = {"arn:a", "arn:b", "arn:c", "arn:d", "arn:e"}
    claims = {
        "one": {
            "arn:a": "ANPAAAAAAAAAAAAAAAAAA",
            "arn:b": "ANPABBBBBBBBBBBBBBBBB",
            "arn:c": "ANPACCCCCCCCCCCCCCCCC",
            "arn:gone": "ANPAGGGGGGGGGGGGGGGGG",
        },
        "two": {
            "arn:a": "ANPAAAAAAAAAAAAAAAAAA",
            "arn:b": "ANPAZZZZZZZZZZZZZZZZZ",
            "arn:d": "ANPACCCCCCCCCCCCCCCCC",
            "arn:e": "ANPAEXAMPLE2345672345",
        },
    }
    ids, sources_of, dropped = reconcile(claims, catalog)
    assert ids == {"arn:a": "ANPAAAAAAAAAAAAAAAAAA"}
    assert sources_of == {"arn:a": ["one", "two"]}
    assert set(dropped) == {"arn:b", "arn:c", "arn:d"}


def test_reconcile_refuses_ids_not_shaped_like_aws() -> None:
    reconcile = _refresh_script().reconcile_ids
    claims = {"s": {"arn:a": "ANPA0000000000000000A", "arn:b": "ANPAAAAAAAAAAAAAAAAA"}}
    assert reconcile(claims, {"arn:a", "arn:b"}) == ({}, {}, {})
