"""Signing certificates through boto3: PEM X.509 bodies, two per user, one user each."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import certificate_pem, error_of

ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def test_signing_certificate_lifecycle(iam: Any) -> None:
    iam.create_user(UserName="alice")
    body = certificate_pem()
    uploaded = iam.upload_signing_certificate(UserName="alice", CertificateBody=body)
    certificate = uploaded["Certificate"]
    certificate_id = certificate["CertificateId"]
    assert re.fullmatch(r"[A-Z0-9]{28}", certificate_id)
    assert certificate == {
        "UserName": "alice",
        "CertificateId": certificate_id,
        "CertificateBody": body,
        "Status": "Active",
        "UploadDate": certificate["UploadDate"],
    }
    listed = iam.list_signing_certificates(UserName="alice")
    assert listed == {**listed, "Certificates": [certificate], "IsTruncated": False}
    for status in ("Inactive", "Active"):
        iam.update_signing_certificate(
            UserName="alice", CertificateId=certificate_id, Status=status
        )
        listed = iam.list_signing_certificates(UserName="alice")["Certificates"]
        assert listed == [{**certificate, "Status": status}]
    iam.delete_signing_certificate(UserName="alice", CertificateId=certificate_id)
    listed = iam.list_signing_certificates(UserName="alice")
    assert listed["Certificates"] == [] and listed["IsTruncated"] is False


def test_signing_certificate_errors(iam: Any) -> None:
    iam.create_user(UserName="bob")
    unknown_user = ("NoSuchEntity", "The user with name nonexistent-user cannot be found.", 404)
    missing_id = "NONEXISTENTCERTID12345678901"
    calls = [
        lambda: iam.upload_signing_certificate(
            UserName="nonexistent-user", CertificateBody=certificate_pem()
        ),
        lambda: iam.list_signing_certificates(UserName="nonexistent-user"),
        lambda: iam.delete_signing_certificate(
            UserName="nonexistent-user", CertificateId=missing_id
        ),
        lambda: iam.update_signing_certificate(
            UserName="nonexistent-user", CertificateId=missing_id, Status="Inactive"
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == unknown_user
    with pytest.raises(ClientError) as excinfo:
        iam.upload_signing_certificate(UserName="bob", CertificateBody="invalid-certificate-body")
    assert error_of(excinfo) == (
        "MalformedCertificate",
        "Certificate invalid-certificate-body is malformed.",
        400,
    )
    missing = ("NoSuchEntity", f"The Certificate with id {missing_id} cannot be found.", 404)
    with pytest.raises(ClientError) as excinfo:
        iam.update_signing_certificate(UserName="bob", CertificateId=missing_id, Status="Active")
    assert error_of(excinfo) == missing
    with pytest.raises(ClientError) as excinfo:
        iam.delete_signing_certificate(UserName="bob", CertificateId=missing_id)
    assert error_of(excinfo) == missing


def test_at_most_two_certificates_per_user(iam: Any) -> None:
    iam.create_user(UserName="carol")
    iam.upload_signing_certificate(UserName="carol", CertificateBody=certificate_pem())
    iam.upload_signing_certificate(UserName="carol", CertificateBody=certificate_pem())
    with pytest.raises(ClientError) as excinfo:
        iam.upload_signing_certificate(UserName="carol", CertificateBody=certificate_pem())
    assert error_of(excinfo) == (
        "LimitExceeded",
        "Cannot exceed quota for CertificatesPerUser: 2",
        409,
    )
    first = iam.list_signing_certificates(UserName="carol", MaxItems=1)
    assert first["IsTruncated"] is True
    second = iam.list_signing_certificates(UserName="carol", Marker=first["Marker"])
    assert second["IsTruncated"] is False
    ids = [c["CertificateId"] for c in first["Certificates"] + second["Certificates"]]
    assert len(set(ids)) == 2


def test_a_certificate_belongs_to_one_user_of_the_account(iam: Any) -> None:
    iam.create_user(UserName="dave")
    iam.create_user(UserName="erin")
    body = certificate_pem()
    held = iam.upload_signing_certificate(UserName="dave", CertificateBody=body)
    held_id = held["Certificate"]["CertificateId"]
    for user_name in ("dave", "erin"):
        with pytest.raises(ClientError) as excinfo:
            iam.upload_signing_certificate(UserName=user_name, CertificateBody=body)
        assert error_of(excinfo) == (
            "DuplicateCertificate",
            f"The Certificate with id {held_id} already exists.",
            409,
        )


def test_an_expired_certificate_is_refused(iam: Any) -> None:
    iam.create_user(UserName="frank")
    expired = certificate_pem(not_after=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(ClientError) as excinfo:
        iam.upload_signing_certificate(UserName="frank", CertificateBody=expired)
    assert error_of(excinfo)[0] == "MalformedCertificate"


def test_without_user_name_the_caller_is_meant(iam: Any, make_client: Any) -> None:
    iam.create_user(UserName="gina")
    iam.put_user_policy(UserName="gina", PolicyName="all", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName="gina")["AccessKey"]
    as_gina = make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    uploaded = as_gina.upload_signing_certificate(CertificateBody=certificate_pem())
    certificate_id = uploaded["Certificate"]["CertificateId"]
    assert uploaded["Certificate"]["UserName"] == "gina"
    listed = as_gina.list_signing_certificates()["Certificates"]
    assert [c["CertificateId"] for c in listed] == [certificate_id]
    as_gina.update_signing_certificate(CertificateId=certificate_id, Status="Inactive")
    as_gina.delete_signing_certificate(CertificateId=certificate_id)
    assert iam.list_signing_certificates(UserName="gina")["Certificates"] == []
    with pytest.raises(ClientError) as excinfo:
        iam.list_signing_certificates()
    assert error_of(excinfo) == (
        "ValidationError",
        "Must specify userName when calling with non-User credentials",
        400,
    )


def test_rename_shows_and_delete_user_waits_for_certificates(iam: Any) -> None:
    iam.create_user(UserName="hank")
    uploaded = iam.upload_signing_certificate(UserName="hank", CertificateBody=certificate_pem())
    certificate_id = uploaded["Certificate"]["CertificateId"]
    iam.update_user(UserName="hank", NewUserName="henry")
    listed = iam.list_signing_certificates(UserName="henry")["Certificates"]
    assert [c["UserName"] for c in listed] == ["henry"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="henry")
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete entity, must delete certificates first.",
        409,
    )
    iam.delete_signing_certificate(UserName="henry", CertificateId=certificate_id)
    iam.delete_user(UserName="henry")
