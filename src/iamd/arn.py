"""ARNs: parse and format Amazon Resource Names for every partition.

In: strings such as ``arn:aws:iam::123456789012:user/division/alice``.
Out: `Arn` values and IAM's ARN forms for users, groups, roles and the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PARTITION = "aws"


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    """Split an ARN into its six parts; None when the text is not an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def partition_for_region(region: str) -> str:
    """The partition a region belongs to (``cn-north-1`` → ``aws-cn``)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return DEFAULT_PARTITION


def iam_arn(account_id: str, kind: str, path: str, name: str, *, partition: str = "aws") -> str:
    """IAM's ARN for a named entity: ``arn:aws:iam::<acct>:<kind><path><name>``."""
    return f"arn:{partition}:iam::{account_id}:{kind}{path}{name}"


def root_arn(account_id: str, *, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def assumed_role_arn(
    account_id: str, role_name: str, session_name: str, *, partition: str = "aws"
) -> str:
    return f"arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{session_name}"


def federated_user_arn(account_id: str, user_name: str, *, partition: str = "aws") -> str:
    return f"arn:{partition}:sts::{account_id}:federated-user/{user_name}"


def aws_managed_policy_arn(path: str, name: str, *, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy{path}{name}"
