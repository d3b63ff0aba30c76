"""Role templates are published by AWS services; iamd runs none, so none is found."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

TEMPLATE_ARN = "arn:aws:iam::aws:role-template/ExampleTemplate"


def test_unknown_template(iam: Any) -> None:
    for call in (
        lambda: iam.get_role_template_version(TemplateArn=TEMPLATE_ARN),
        lambda: iam.acquire_role(TemplateArn=TEMPLATE_ARN, TemplateMinorVersion=1),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"Role template {TEMPLATE_ARN} not found.",
            404,
        )
    assert iam.list_roles()["Roles"] == []
