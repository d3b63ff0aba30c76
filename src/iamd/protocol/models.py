"""botocore's service models for IAM, STS and CloudTrail: the protocol's whole specification.

`service_model("iam")` loads the model shipped with the installed botocore once per
process; everything else in `iamd.protocol` reads shapes, constraints and XML names
from it rather than from tables of our own.
"""

from __future__ import annotations

import functools

from botocore.loaders import Loader
from botocore.model import ServiceModel, Shape

SERVICES = ("iam", "sts", "cloudtrail")


@functools.cache
def service_model(name: str) -> ServiceModel:
    """The botocore model of ``iam``, ``sts`` or ``cloudtrail``, loaded once."""
    if name not in SERVICES:
        raise ValueError(f"iamd serves only {', '.join(SERVICES)}, not {name!r}")
    # Only the models shipped inside botocore: a ~/.aws/models on the server's host
    # must not change what the server accepts.
    loader = Loader(
        extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
    )
    description = loader.load_service_model(name, "service-2")
    return ServiceModel(description, service_name=name)


@functools.cache
def operation_names(service: ServiceModel) -> frozenset[str]:
    """The service's operation names, as a set for the per-request lookup."""
    return frozenset(service.operation_names)


@functools.cache
def is_json(service: str) -> bool:
    """Whether the service speaks AWS's JSON protocol (CloudTrail) rather than Query."""
    return bool(service_model(service).protocol == "json")


def xml_namespace(service: ServiceModel) -> str:
    """The namespace of the service's XML answers, e.g. IAM's ``.../doc/2010-05-08/``."""
    namespace: str = service.metadata["xmlNamespace"]
    return namespace


def member_tag(member: Shape, name: str) -> str:
    """A structure member's element name on the wire: its own, or its flattened items'."""
    if member.type_name == "list" and member.serialization.get("flattened"):
        item_name: str | None = member.member.serialization.get("name")
        if item_name:
            return item_name
    named: str = member.serialization.get("name", name)
    return named
