"""The position-keeping JSON reader."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamd.policy.jsontree import JsonSyntaxError, Node, read_json


@pytest.mark.parametrize(
    "text", ["{", '{"a" 1}', "[1,]", '{"a":1,}', "NaN", "01", '"\\x"', "1 2", "[" * 5000]
)
def test_reader_rejects_what_json_rejects(text: str) -> None:
    with pytest.raises(JsonSyntaxError):
        read_json(text)


def test_reader_positions() -> None:
    node = read_json('{\n  "a": [1, "x"],\n  "b": {"c": null}\n}')
    assert node.start == (1, 1) and node.end == (4, 1)
    a = node.get("a")
    assert a is not None and a.start == (2, 8) and a.end == (2, 15)
    assert [item.value for item in a.items] == ["1", "x"]
    assert node.keys() == ("a", "b")


def _plain(node: Node) -> object:
    if node.kind == "object":
        return {member.key: _plain(member.value) for member in node.members}
    if node.kind == "array":
        return [_plain(item) for item in node.items]
    if node.kind == "number":
        return json.loads(str(node.value))
    return node.value


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_VALUES, st.sampled_from([None, 2]))
def test_reader_agrees_with_json_loads(value: object, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    assert _plain(read_json(text)) == json.loads(text)
