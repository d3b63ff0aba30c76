"""Session policies and session tags as a request passes them, checked as AWS checks them.

In: the ``Policy``, ``PolicyArns`` and ``Tags`` members of AssumeRole*,
GetFederationToken. Out: `SessionPolicies` (the texts and ARNs a session token
keeps) and the ``PackedPolicySize`` AWS reports, or AWS's error:
MalformedPolicyDocument for a policy that does not validate or an ARN that names no
managed policy, PackedPolicyTooLarge past 100 %.

AWS packs policies and tags into a binary form whose exact size rule it does not
publish; iamd estimates it from the policy's characters (whitespace not counted,
as for every IAM quota), the policy ARNs and a quarter of the tags' characters,
against a budget chosen so that sizes come out near AWS's for small policies (a
one-statement policy: 10–20 %) and large ones (1,400 characters of a 40-action
policy: about 155 %, so AWS refuses such a policy although it is under 2,048).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from iamd.errors import MalformedPolicyDocument, PackedPolicyTooLarge
from iamd.operation import Params
from iamd.policy import policy_size, validate_policy
from iamd.store.policies import default_document

PACKED_BUDGET = 900
_TAG_WEIGHT = 4


@dataclass(frozen=True)
class SessionPolicies:
    texts: tuple[str, ...]
    arns: tuple[str, ...]

    @property
    def were_passed(self) -> bool:
        return bool(self.texts or self.arns)


def read_session_policies(conn: Connection, params: Params) -> SessionPolicies:
    """The request's session policies, validated; raise AWS's error otherwise."""
    texts: tuple[str, ...] = ()
    if params.get("Policy") is not None:
        validate_policy(params["Policy"], "session")
        texts = (params["Policy"],)
    arns = tuple(str(item["arn"]) for item in params.get("PolicyArns") or [])
    for policy_arn in arns:
        if default_document(conn, policy_arn) is None:
            raise MalformedPolicyDocument(
                f"Policy {policy_arn} does not exist or is not attachable."
            )
    return SessionPolicies(texts, arns)


def packed_policy_size(policies: SessionPolicies, tags: Sequence[tuple[str, str]]) -> int:
    """The percentage of AWS's packed budget; raise PackedPolicyTooLarge past 100."""
    units = sum(policy_size(text) for text in policies.texts)
    units += sum(len(policy_arn) for policy_arn in policies.arns)
    units += sum(len(key) + len(value) for key, value in tags) // _TAG_WEIGHT
    percent = math.ceil(units * 100 / PACKED_BUDGET)
    if percent > 100:
        raise PackedPolicyTooLarge(f"Packed policy consumes {percent}% of allotted space")
    return percent
