"""Every bounded column holds the longest value that can reach it.

PostgreSQL refuses a value longer than its column (SQLite stores it anyway), so a
bound the request does not enforce first is a 500 on one backend only. Each row
pairs a column with what bounds the values written to it: a shape of botocore's
model (validated before any operation runs) or a limit iamd checks itself.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, String

from iamd.auth.sigv4_parse import MAX_REGION_LENGTH
from iamd.iam.mfa import MAX_SERIAL_NUMBER
from iamd.protocol import service_model
from iamd.store import schema

IAM = service_model("iam")
# The shortest prefix of a device's serial number: arn:aws:iam::<12 digits>:mfa/
SHORTEST_SERIAL_PREFIX = len("arn:aws:iam::123456789012:mfa/")


def _model_max(shape_name: str) -> int:
    return int(IAM.shape_for(shape_name).metadata["max"])


BOUNDS: list[tuple[Column[str], int]] = [
    (schema.users.c.name, _model_max("userNameType")),
    (schema.users.c.path, _model_max("pathType")),
    (schema.users.c.boundary_arn, _model_max("arnType")),
    (schema.groups.c.name, _model_max("groupNameType")),
    (schema.groups.c.path, _model_max("pathType")),
    (schema.roles.c.name, _model_max("roleNameType")),
    (schema.roles.c.path, _model_max("pathType")),
    (schema.roles.c.description, _model_max("roleDescriptionType")),
    (schema.roles.c.boundary_arn, _model_max("arnType")),
    (schema.roles.c.last_used_region, MAX_REGION_LENGTH),
    (schema.access_keys.c.last_used_region, MAX_REGION_LENGTH),
    (schema.managed_policies.c.name, _model_max("policyNameType")),
    (schema.managed_policies.c.path, _model_max("policyPathType")),
    (schema.managed_policies.c.description, _model_max("policyDescriptionType")),
    (schema.policy_attachments.c.policy_arn, _model_max("arnType")),
    (schema.inline_policies.c.name, _model_max("policyNameType")),
    (schema.tags.c.key, _model_max("tagKeyType")),
    (schema.tags.c.value, _model_max("tagValueType")),
    (schema.tags.c.entity_id, _model_max("serialNumberType")),  # the longest id tagged
    (schema.account_aliases.c.alias, _model_max("accountAliasType")),
    (schema.instance_profiles.c.name, _model_max("instanceProfileNameType")),
    (schema.instance_profiles.c.path, _model_max("pathType")),
    (schema.server_certificates.c.name, _model_max("serverCertificateNameType")),
    (schema.server_certificates.c.path, _model_max("pathType")),
    (schema.saml_providers.c.name, _model_max("SAMLProviderNameType")),
    (schema.oidc_providers.c.url, _model_max("OpenIDConnectProviderUrlType")),
    (schema.mfa_devices.c.serial, MAX_SERIAL_NUMBER),
    (schema.mfa_devices.c.name, MAX_SERIAL_NUMBER - SHORTEST_SERIAL_PREFIX),
    (schema.mfa_devices.c.path, _model_max("pathType")),
    (schema.user_credentials.c.service_user_name, _model_max("serviceUserName")),
]


@pytest.mark.parametrize(("column", "longest"), BOUNDS, ids=lambda v: str(v))
def test_the_column_holds_the_longest_value_that_reaches_it(
    column: Column[str], longest: int
) -> None:
    assert isinstance(column.type, String)
    assert column.type.length is not None and column.type.length >= longest
