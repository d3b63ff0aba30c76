"""AssumeRoot needs an organization with centralized root access: no iamd account has one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

TASK = {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}


def test_refused_outside_an_organization(new_user: Any, make_client: Any) -> None:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": "*"}
    user = new_user("admin", policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    sts = make_client("sts", user.key_id, user.secret)
    with pytest.raises(ClientError) as excinfo:
        sts.assume_root(TargetPrincipal="999988887777", TaskPolicyArn=TASK)
    code, message, status = error_of(excinfo)
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(f"User: {user.arn} is not authorized to perform: sts:AssumeRoot")
    with pytest.raises(ClientError) as excinfo:
        sts.assume_root(
            TargetPrincipal="999988887777",
            TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        )
    assert error_of(excinfo)[0] == "InvalidParameterValue"


def test_root_user_may_not_call_it(sts: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        sts.assume_root(TargetPrincipal="999988887777", TaskPolicyArn=TASK)
    assert error_of(excinfo)[0::2] == ("AccessDenied", 403)


def test_needs_permission(new_user: Any, make_client: Any) -> None:
    user = new_user("plain")
    sts = make_client("sts", user.key_id, user.secret)
    with pytest.raises(ClientError) as excinfo:
        sts.assume_root(TargetPrincipal="999988887777", TaskPolicyArn=TASK)
    assert "sts:AssumeRoot" in error_of(excinfo)[1]
