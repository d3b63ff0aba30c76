"""iamd's error classes carry the codes and HTTP statuses of botocore's IAM, STS and
CloudTrail models (CloudTrail's JSON protocol names an error by its shape).

Modelled errors that no iamd operation raises have no class, so they are not listed.
"""

from __future__ import annotations

import inspect

import botocore.session
import pytest

from iamd import errors

BASES = (errors.ServiceError, errors.ClientError)
CLASSES = {
    cls.code: cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.ServiceError) and cls not in BASES
}


def _modelled_errors() -> list[tuple[str, str, int, bool]]:
    session = botocore.session.get_session()
    found: dict[str, tuple[str, str, int, bool]] = {}
    for service in ("iam", "sts", "cloudtrail"):
        model = session.get_service_model(service)
        for name in model.operation_names:
            for shape in model.operation_model(name).error_shapes:
                error = shape.metadata.get("error", {})
                # Only the JSON protocol names an error by its shape; a Query error the
                # model gives no code (OrganizationNotFoundException) says nothing here.
                code = error.get("code") or (shape.name if service == "cloudtrail" else None)
                if code in CLASSES:
                    status = int(error.get("httpStatusCode", 400))
                    # CloudTrail models no fault; its exceptions are the caller's (HTTP 400).
                    fault = bool(error.get("senderFault", service == "cloudtrail"))
                    found[code] = (service, code, status, fault)
    return sorted(found.values())


@pytest.mark.parametrize("service,code,status,sender_fault", _modelled_errors())
def test_modelled_error_matches_its_class(
    service: str, code: str, status: int, sender_fault: bool
) -> None:
    cls = CLASSES[code]
    assert (cls.status, cls.sender_fault) == (status, sender_fault)


def test_every_class_has_its_own_code() -> None:
    codes = [
        cls.code
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ServiceError) and cls not in BASES
    ]
    assert len(codes) == len(set(codes))
