"""Rebuild ``src/iamd/data/aws_managed_policies.json.gz`` from moto's published catalog.

In: the ``moto`` wheel from PyPI (``pip download``; never installed, never imported),
whose ``moto/iam/aws_managed_policies.py`` holds every AWS managed policy as moto's
maintainers last fetched it with ``iam:ListPolicies`` (Scope=AWS) and ``GetPolicyVersion``.
Out: a gzip file (mtime 0, so the same input gives the same bytes) holding
``{"source", "retrieved", "count", "policies": [...]}``, policies sorted by ARN, each
``{"PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "CreateDate",
"UpdateDate", "Description", "Document"}``.

Usage: ``.venv/bin/python scripts/refresh_managed_policies.py [--moto-version X.Y.Z]``
"""

from __future__ import annotations

import argparse
import ast
import base64
import datetime as dt
import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

PACKAGE = "moto"
MEMBER = "moto/iam/aws_managed_policies.py"
VARIABLE = "aws_managed_policies_data"
ARN_PREFIX = "arn:aws:iam::aws:policy"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src/iamd/data/aws_managed_policies.json.gz"

# moto writes documents with sort_keys=True, which loses AWS's element order. We put the
# elements back in the order AWS's own documents use; keys not listed keep sorted order.
DOCUMENT_ORDER = ("Version", "Id", "Statement")
STATEMENT_ORDER = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Download the package, normalize its policies and write the catalog file."""
    args = _parse_args(argv)
    with tempfile.TemporaryDirectory() as temp_dir:
        wheel = download_wheel(args.moto_version, Path(temp_dir))
        raw_policies = read_raw_policies(wheel)
    policies = sorted(
        (normalize(name, raw) for name, raw in raw_policies.items()),
        key=lambda policy: policy["Arn"],
    )
    header = {
        "source": f"{PACKAGE}@{wheel_version(wheel)}",
        "retrieved": dt.datetime.now(dt.UTC).date().isoformat(),
        "count": len(policies),
        "policies": policies,
    }
    write_catalog(header, args.output)
    print(f"wrote {len(policies)} policies from {header['source']} to {args.output}")
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto-version", help="moto release to read (default: the latest)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return parser.parse_args(argv)


def download_wheel(version: str | None, dest: Path) -> Path:
    """Fetch the moto wheel (no dependencies) into ``dest`` and return its path."""
    requirement = f"{PACKAGE}=={version}" if version else PACKAGE
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        requirement,
    ]
    subprocess.run(command, check=True)
    (wheel,) = dest.glob(f"{PACKAGE}-*.whl")
    return wheel


def wheel_version(wheel: Path) -> str:
    """The version from a wheel's file name (``moto-5.2.5-py3-none-any.whl`` → ``5.2.5``)."""
    return wheel.name.split("-")[1]


def read_raw_policies(wheel: Path) -> dict[str, dict[str, Any]]:
    """The policy dict moto ships, keyed by policy name, read without running moto's code."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(MEMBER).decode("utf-8")
    policies: dict[str, dict[str, Any]] = json.loads(_string_constant(source, VARIABLE))
    return policies


def _string_constant(source: str, name: str) -> str:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise ValueError(f"{MEMBER} has no string constant {name}")


def normalize(name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """One policy in the catalog's shape."""
    arn = f"{ARN_PREFIX}{raw['Path']}{name}"
    return {
        "PolicyName": name,
        "PolicyId": synthetic_policy_id(arn),
        "Arn": arn,
        "Path": raw["Path"],
        "DefaultVersionId": raw["DefaultVersionId"],
        "CreateDate": utc_timestamp(raw["CreateDate"]),
        "UpdateDate": utc_timestamp(raw["UpdateDate"]),
        "Description": raw.get("Description"),
        "Document": json.dumps(aws_element_order(raw["Document"]), indent=4),
    }


def synthetic_policy_id(arn: str) -> str:
    """A stable ``ANPA`` + 17-character id derived from the ARN.

    moto drops AWS's real policy ids; hashing the ARN keeps each id the same across
    refreshes, in AWS's alphabet (A-Z, 2-7) and length (21).
    """
    digest = hashlib.sha256(arn.encode("utf-8")).digest()
    return "ANPA" + base64.b32encode(digest).decode("ascii")[:17]


def utc_timestamp(text: str) -> str:
    """``2015-02-06T18:39:46+00:00`` → ``2015-02-06T18:39:46Z``."""
    moment = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def aws_element_order(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its top-level and statement elements in AWS's usual order."""
    ordered = _reorder(document, DOCUMENT_ORDER)
    statements = ordered.get("Statement")
    if isinstance(statements, list):
        ordered["Statement"] = [_reorder(item, STATEMENT_ORDER) for item in statements]
    elif isinstance(statements, dict):
        ordered["Statement"] = _reorder(statements, STATEMENT_ORDER)
    return ordered


def _reorder(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    def rank(key: str) -> tuple[int, str]:
        return (order.index(key) if key in order else len(order), key)

    return {key: mapping[key] for key in sorted(mapping, key=rank)}


def write_catalog(header: dict[str, Any], output: Path) -> None:
    """Write ``header`` as gzip'd JSON with a zero mtime and no file name, so bytes repeat."""
    payload = json.dumps(header, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))


if __name__ == "__main__":
    sys.exit(main())
