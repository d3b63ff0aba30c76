"""Sample inputs and outputs for every IAM and STS operation, built from the model.

Inputs satisfy the model's constraints (each string shape gets the first candidate
that passes its length, pattern and enum), so that botocore serializes them and
iamd must read them back unchanged. Outputs exercise every shape type with text
that needs escaping.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from botocore.model import OperationModel, Shape

from iamd.protocol.patterns import compile_java_pattern

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}],
    },
    indent=2,
)

_CANDIDATES = (
    "Tag välue: ü 日本 = + @ / _ . :",
    "Déscription with spaces & <markup> = 100% +plus",
    POLICY,
    "name-1_x+=,.@",
    "/division_abc/",
    "/",
    "v2",
    "arn:aws:iam::123456789012:policy/division/name-1",
    "https://example.com/oidc",
    "123456789012",
    "AKIAIOSFODNN7EXAMPLE",
    "my-alias",
    "o-abcdefghij",
    "o-abcdefghij/r-abcd",
    "p-abcdefgh",
    "abc def",
    "123456",
)


def sample_string(shape: Shape) -> str | None:
    """A value that satisfies every constraint of the string shape, if one is at hand."""
    if shape.enum:
        return str(shape.enum[-1])
    low = shape.metadata.get("min", 1)
    padded = ("a" * max(low, 1), "1" * max(low, 1))
    return next((c for c in (*_CANDIDATES, *padded) if _satisfies(shape, c)), None)


def _satisfies(shape: Shape, text: str) -> bool:
    meta = shape.metadata
    if not meta.get("min", 0) <= len(text.encode("utf-16-le")) // 2 <= meta.get("max", 10**9):
        return False
    pattern = meta.get("pattern")
    return pattern is None or compile_java_pattern(pattern).fullmatch(text) is not None


class Unsatisfiable(Exception):
    pass


def sample_input(shape: Shape, depth: int = 0) -> Any:
    """Input for ``shape`` that passes the model's constraints."""
    kind = shape.type_name
    if kind == "structure":
        return _input_structure(shape, depth)
    if kind == "list":
        count = max(shape.metadata.get("min", 0), min(2, shape.metadata.get("max", 2)))
        return [sample_input(shape.member, depth + 1) for _ in range(count)]
    if kind == "map":
        return {sample_input(shape.key, depth + 1): sample_input(shape.value, depth + 1)}
    if kind == "string":
        value = sample_string(shape)
        if value is None:
            raise Unsatisfiable(shape.name)
        return value
    if kind in ("integer", "long"):
        return max(shape.metadata.get("min", 7), min(7, shape.metadata.get("max", 7)))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime(2026, 11, 25, 9, 27, 51, tzinfo=UTC)
    if kind == "blob":
        return b"\x00\x01binary\xff"
    raise Unsatisfiable(kind)


def _input_structure(shape: Shape, depth: int) -> dict[str, Any]:
    required = shape.required_members
    params: dict[str, Any] = {}
    for name, member in shape.members.items():
        if depth > 4 and name not in required:
            continue
        try:
            params[name] = sample_input(member, depth + 1)
        except Unsatisfiable:
            if name in required:
                raise
        if shape.is_tagged_union and params:
            break
    return params


def sample_output(shape: Shape, depth: int = 0) -> Any:
    """Output for ``shape`` covering every member; strings that need XML escaping."""
    kind = shape.type_name
    if kind == "structure":
        members = shape.members.items()
        return {name: sample_output(m, depth + 1) for name, m in members if depth < 6}
    if kind == "list":
        return [sample_output(shape.member, depth + 1) for _ in range(2)]
    if kind == "map":
        return {"k<1>": sample_output(shape.value, depth + 1), "k&2": sample_output(shape.value)}
    if kind == "string":
        if shape.name == "policyDocumentType":
            return POLICY
        return str(shape.enum[0]) if shape.enum else "text <with> & \"quotes\" 'é' 日本 \r\n end"
    if kind in ("integer", "long"):
        return 42
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return datetime(2026, 11, 25, 9, 27, 51, tzinfo=UTC)
    if kind == "blob":
        return b"\x00binary\xff"
    raise AssertionError(kind)


def operations(service: Any) -> list[OperationModel]:
    return [service.operation_model(name) for name in service.operation_names]


def same_typed(left: Any, right: Any) -> bool:
    """Equal, and of the same types all the way down (``True`` is not ``1``)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_typed(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_typed, left, right))
    return bool(left == right)
