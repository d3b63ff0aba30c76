"""Which services a policy could grant: Action globs, NotAction, Deny left out."""

from __future__ import annotations

import json

from iamd.iam.service_access import granted_services, service_name, service_namespaces


def doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_actions_name_their_services() -> None:
    document = doc(
        {"Effect": "Allow", "Action": ["s3:GetObject", "IAM:list*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"},
    )
    assert granted_services(document) == {"s3", "iam"}


def test_wildcards() -> None:
    assert granted_services(doc({"Effect": "Allow", "Action": "*", "Resource": "*"})) == set(
        service_namespaces()
    )
    assert "s3" in granted_services(doc({"Effect": "Allow", "Action": "s?:Get*", "Resource": "*"}))
    assert (
        granted_services(doc({"Effect": "Allow", "Action": "s3:NoSuch", "Resource": "*"})) == set()
    )


def test_not_action_grants_what_it_does_not_exclude() -> None:
    granted = granted_services(doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert "iam" not in granted and "s3" in granted
    partly = granted_services(doc({"Effect": "Allow", "NotAction": "iam:Get*", "Resource": "*"}))
    assert "iam" in partly


def test_names_come_from_aws() -> None:
    assert service_name("s3") == "Amazon S3"
    assert granted_services("not json") == set()
