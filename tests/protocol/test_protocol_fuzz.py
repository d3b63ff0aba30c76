"""Property: no input, however malformed, gets past the protocol as anything but an AWS error."""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from botocore.model import ServiceModel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamd.errors import ServiceError
from iamd.protocol import decode_form, parse_request, service_model

IAM = service_model("iam")
STS = service_model("sts")
SERVICES = (IAM, STS)


def _vocabulary() -> list[str]:
    """Parameter names iamd will try to read: every member name at every depth, and more."""
    names: set[str] = {"Action", "Version", "member", "entry", "key", "value", "1", "2", "01"}
    for model in SERVICES:
        for shape_name in model.shape_names:
            shape = model.shape_for(shape_name)
            if shape.type_name == "structure":
                names.update(shape.members)
    return sorted(names)


VOCABULARY = _vocabulary()
OPERATIONS = [(model, name) for model in SERVICES for name in model.operation_names]

segments = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=6))
keys = st.lists(segments, min_size=1, max_size=6).map(".".join)
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "true", "false", "0", "-1", "1001", "9" * 30, "1e3", "x", "/", "v1"]),
    st.integers().map(str),
)


def _check(model: ServiceModel, form: list[tuple[str, str]]) -> None:
    with contextlib.suppress(ServiceError):
        parse_request(model, form)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=300), service=st.sampled_from(SERVICES))
def test_random_bytes(raw: bytes, service: ServiceModel) -> None:
    try:
        form = decode_form(raw)
    except ServiceError:
        return
    _check(service, form)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operation=st.sampled_from(OPERATIONS),
    fields=st.lists(st.tuples(keys, values), max_size=25),
)
def test_random_fields_of_real_operations(
    operation: tuple[ServiceModel, str], fields: list[tuple[str, str]]
) -> None:
    model, name = operation
    _check(model, [("Action", name), ("Version", model.api_version), *fields])


@settings(max_examples=200, deadline=None)
@given(body=st.lists(st.tuples(keys, values), max_size=15), service=st.sampled_from(SERVICES))
def test_random_encoded_bodies(body: list[tuple[str, str]], service: ServiceModel) -> None:
    try:
        form = decode_form(urlencode(body).encode())
    except ServiceError:
        return
    _check(service, form)
