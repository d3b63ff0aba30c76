"""Resource ARN rules of the policy grammar, as AWS's validator applies them.

Two questions per `Resource`/`NotResource` value:

- `resource_format_error`: the message AWS gives for a malformed value, or None —
  not in ARN form, an unknown partition, a vendor that is not spelled out, region
  information where the service has none (IAM, S3 buckets), an IAM path of the
  wrong kind. The partition message rebuilds the value as a six-part ARN, padding
  missing parts with `*`, exactly as AWS prints it.
- `legacy_resource_ok`: the legacy parser's demand for enough ARN parts and a
  service; a failure there is "The policy failed legacy parsing".
"""

from __future__ import annotations

PARTITIONS = frozenset(
    {
        "aws",
        "aws-cn",
        "aws-us-gov",
        "aws-iso",
        "aws-iso-b",
        "aws-iso-e",
        "aws-iso-f",
        "aws-eusc",
        "*",
    }
)
IAM_PATH_PREFIXES = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
IAM_PATH_ERROR = (
    'IAM resource path must either be "*", '
    + "root, or start with "
    + ", ".join(IAM_PATH_PREFIXES)
    + "."
)
NOT_QUALIFIED = "Resource vendor must be fully qualified and cannot contain regexes."


def resource_format_error(resource: str) -> str | None:
    """AWS's message for a malformed Resource value, or None when it is well formed."""
    if resource == "*":
        return None
    _, colon, rest = resource.partition(":")
    if not colon:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = rest.partition(":")
    if partition not in PARTITIONS:
        return _partition_error(partition, rest)
    if not colon:
        return NOT_QUALIFIED
    return _service_error(resource, rest)


def _partition_error(partition: str, rest: str) -> str:
    parts = rest.split(":")
    first = parts[0] if parts[0] != "" or len(parts) > 1 else "*"
    second = parts[1] if len(parts) > 1 else "*"
    third = parts[2] if len(parts) > 2 else "*"
    fourth = ":".join(parts[3:]) if len(parts) > 3 else "*"
    rebuilt = f"arn:{partition}:{first}:{second}:{third}:{fourth}"
    return f'Partition "{partition}" is not valid for resource "{rebuilt}".'


def _service_error(resource: str, rest: str) -> str | None:
    service, _, rest = rest.partition(":")
    region, _, rest = rest.partition(":")
    account, _, path = rest.partition(":")
    if service == "iam" and region:
        return f"IAM resource {resource} cannot contain region information."
    if service == "s3" and region and not account:
        # Regional S3 resources (access points) name an account; buckets never do.
        return f"Resource {resource} can not contain region information."
    if service == "iam" and not _iam_path_ok(path):
        return IAM_PATH_ERROR
    return None


def _iam_path_ok(path: str) -> bool:
    return path in ("*", "root") or path.startswith(IAM_PATH_PREFIXES)


def legacy_resource_ok(resource: str) -> bool:
    """The legacy parser: six parts when `::` appears, and a named service."""
    if resource == "*":
        return True
    if resource.count(":") < 5 and "::" in resource:
        return False
    parts = resource.split(":")
    return len(parts) > 2 and parts[2] != ""
