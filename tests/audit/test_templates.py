"""Repeated reads recorded from a template: the same record but for its time and ids.

Through a real server: a read made again is recorded with its own eventTime, requestID
and eventID and nothing else changed; a changed input or decision is never recorded
from an older call's template. In process: a template's row is byte for byte the row
the record built in full gives, escapes and all.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from audit.conftest import Trail, allow, document
from iamd.audit.api_calls import ApiCall, happened
from iamd.audit.events import rows
from iamd.audit.templates import templated_rows
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.authz.journal import BY_ROOT, Evaluation, Journal
from iamd.protocol import service_model
from support import IamdServer

# The three values of a record a template leaves to each call.
_OWN_VALUES = re.compile(r'"(eventTime|requestID|eventID)":"[^"]*"')


def _reader(server: IamdServer, iam: Any, name: str, sid: str) -> Any:
    iam.create_user(UserName=name)
    grant = document({"Sid": sid, **allow("iam:GetUser")})
    iam.put_user_policy(UserName=name, PolicyName="reads", PolicyDocument=grant)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def _raw_records(trail: Trail, user: str) -> list[str]:
    """The raw CloudTrailEvent text of each of the user's GetUser events, oldest first."""
    events = trail.named("GetUser")
    texts = [e["CloudTrailEvent"] for e in reversed(events)]
    return [text for text in texts if json.loads(text)["userIdentity"].get("userName") == user]


def test_a_repeated_read_differs_only_in_its_time_and_ids(
    server: IamdServer, iam: Any, trail: Trail
) -> None:
    erin = _reader(server, iam, "erin", "Reads")
    answers = [erin.get_user(UserName="erin") for _ in range(3)]
    trail.wait_for("GetUser", 3, where=lambda r: r["userIdentity"].get("userName") == "erin")
    texts = _raw_records(trail, "erin")
    records = [json.loads(text) for text in texts]
    assert [r["requestID"] for r in records] == [
        a["ResponseMetadata"]["RequestId"] for a in answers
    ]
    assert len({r["eventID"] for r in records}) == 3
    assert len({_OWN_VALUES.sub("", text) for text in texts}) == 1
    (evaluation,) = records[0]["iamdDecision"]["evaluations"]
    assert evaluation["statements"][0]["sid"] == "Reads"


def test_a_changed_input_or_decision_is_recorded_as_it_is(
    server: IamdServer, iam: Any, trail: Trail
) -> None:
    fay = _reader(server, iam, "fay", "Before")
    iam.create_user(UserName="gus")
    fay.get_user(UserName="fay")
    fay.get_user(UserName="gus")
    changed = document({"Sid": "After", **allow("iam:GetUser")})
    iam.put_user_policy(UserName="fay", PolicyName="reads", PolicyDocument=changed)
    fay.get_user(UserName="fay")
    trail.wait_for("GetUser", 3, where=lambda r: r["userIdentity"].get("userName") == "fay")
    records = [json.loads(text) for text in _raw_records(trail, "fay")]
    assert [r["requestParameters"]["userName"] for r in records] == ["fay", "gus", "fay"]
    sids = [r["iamdDecision"]["evaluations"][0]["statements"][0]["sid"] for r in records]
    assert sids == ["Before", "Before", "After"]
    resources = [r["iamdDecision"]["evaluations"][0]["resource"] for r in records]
    assert [resource.rsplit("/", 1)[1] for resource in resources] == ["fay", "gus", "fay"]


def _call(
    caller: Caller,
    meta: RequestMeta,
    params: dict[str, Any],
    action: str = "GetUser",
    output: dict[str, Any] | None = None,
    **extra: Any,
) -> ApiCall:
    operation = service_model("iam").operation_model(action)
    call = ApiCall(
        service="iam",
        action=action,
        request_id="1b4f0c7e-3d2a-4e8f-9a61-0c5d7e2b9f13",
        received_at=datetime(2026, 12, 4, 22, 13, 21, 654321, tzinfo=UTC),
        region="us-east-1",
        meta=meta,
        caller=caller,
        operation=operation,
        params=params,
        output={"User": {"UserName": "x"}} if output is None else output,
        **extra,
    )
    resource = f"arn:aws:iam::{caller.account_id}:user/{params.get('UserName', 'x')}"
    call.journal = Journal([Evaluation(f"iam:{action}", resource, True, BY_ROOT)])
    return call


def test_a_templates_row_is_the_row_built_in_full() -> None:
    user = Caller(
        account_id="111122223333",
        kind="user",
        arn="arn:aws:iam::111122223333:user/h\u00e9l\u00e8ne",
        user_id="AIDAEXAMPLEUSER00001",
        name="h\u00e9l\u00e8ne",
        access_key_id="AKIAEXAMPLEKEY000001",
        entity_id="AIDAEXAMPLEUSER00001",
    )
    root = Caller(account_id="111122223333", kind="root", arn="arn:aws:iam::111122223333:root",
                  user_id="111122223333", access_key_id="AKIAEXAMPLEROOT00001")  # fmt: skip
    odd = RequestMeta(source_ip="203.0.113.9", user_agent='curl "quoted" \\ \u2603\x00\n')
    calls = [
        _call(user, RequestMeta(), {}),
        _call(user, odd, {"UserName": 'gus"\\\u2603'}),
        _call(root, odd, {"UserName": "x"}, from_console=True),
        _call(
            user, odd, {"UserName": "x", "Tags": [{"Key": "k\u2603", "Value": '"v'}]}, "TagUser", {}
        ),
        _call(root, RequestMeta(), {"UserName": "x", "NewPath": "/a/"}, "UpdateUser", {}),
    ]
    for call in calls:
        for _ in range(2):  # the first makes the template, the second is served from it
            (served,) = templated_rows(call) or []
            (built,) = rows(happened(call))
            record = built.record.replace(built.event_id, served.event_id)
            assert served == built._replace(event_id=served.event_id, record=record)


def test_a_write_that_answers_is_built_in_full() -> None:
    root = Caller(account_id="111122223333", kind="root", arn="arn:aws:iam::111122223333:root",
                  user_id="111122223333", access_key_id="AKIAEXAMPLEROOT00001")  # fmt: skip
    created = {"User": {"UserName": "ivy", "UserId": "AIDAEXAMPLEUSER00002"}}
    assert (
        templated_rows(_call(root, RequestMeta(), {"UserName": "ivy"}, "CreateUser", created))
        is None
    )
