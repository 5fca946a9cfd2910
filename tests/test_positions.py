"""The reader's positions, kept in flat arrays, answer as a dict of every key's and item's
place would: checked against the marks of PyYAML's own composer on generated documents."""

from __future__ import annotations

import json

import yaml
from hypothesis import given
from hypothesis import strategies as st

from asprules.source import Positions, SourceDocument, parse_lines, parse_text

KEYS = st.sampled_from(["a", "b", "when", "rows", "id", "x y", "é"])
SCALARS = st.one_of(st.integers(-5, 5000), st.booleans(), st.none(), st.sampled_from(["L1", "ge", "text", "§34.2"]))
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=40)


def marks_of(text: str) -> dict[tuple, tuple[int, int]]:
    """path → (line, column) of every key and item, from the nodes PyYAML composes."""
    out: dict[tuple, tuple[int, int]] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return out

    def at(node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def walk(node: yaml.Node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (key.value,)
                out[child] = at(key)
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                out[path + (i,)] = at(item)
                walk(item, path + (i,))

    out[()] = at(root)
    walk(root, ())
    return out


def located(marks: dict, path: tuple):
    """The old look-up: the path, or its nearest ancestor that has a place."""
    while path not in marks:
        if not path:
            return None
        path = path[:-1]
    return marks[path]


def probes(marks: dict) -> list[tuple]:
    """Every path, each one step further (a missing key, a missing item), and some strays."""
    out = list(marks)
    for path in marks:
        out += [path + ("nope",), path + (0,), path + (99,), path + (-1,), path + (True,), path + ("rows", 0)]
    return out + [("rows", 1.0), ("a", "b", "c")]


@given(DATA, st.booleans())
def test_positions_answer_as_the_composers_marks(data, flow):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    doc = parse_text(text)
    marks = marks_of(text)
    assert isinstance(doc.positions, Positions)
    assert dict(doc.positions.items()) == marks
    assert list(doc.positions) == list(marks)  # document order
    assert len(doc.positions) == len(marks)
    for path in probes(marks):
        assert doc.locate(path) == located(marks, path), path
        assert (path in doc.positions) == (path in marks), path
        assert doc.positions.get(path) == marks.get(path), path


@given(DATA)
def test_a_line_of_a_jsonl_file_keeps_its_columns_on_that_line(data):
    text = json.dumps({"k": data})
    doc = parse_text(text).on_line(7)
    assert dict(doc.positions.items()) == {path: (7, col) for path, (_, col) in marks_of(text).items()}


def test_jsonl_lines_and_a_plain_dict_of_positions_locate_alike(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text('{"a": 1}\n\n{"b": {"c": [1, 2]}}\n', encoding="utf-8")
    first, second = parse_lines(path)
    assert first.locate(("a",)) == (1, 2)
    assert second.locate(("b", "c", 1)) == (3, 17)
    assert second.locate(("b", "zzz")) == (3, 2)
    plain = SourceDocument(file="x", data={"b": 1}, positions={("b",): (4, 5)})
    assert plain.locate(("b", "c")) == (4, 5) and plain.locate(("a",)) is None
    assert plain.on_line(9).positions == {("b",): (9, 5)}


def test_an_empty_document_has_no_positions():
    doc = parse_text("")
    assert doc.data is None and doc.locate(("a",)) is None and len(doc.positions) == 0 and () not in doc.positions


def test_a_long_table_is_looked_up_once_per_container():
    rows = "".join(f"  - {{id: r{i}, when: {{field: x, ge: {i}}}}}\n" for i in range(3000))
    doc = parse_text("rows:\n" + rows)
    assert doc.locate(("rows", 2999, "when", "ge")) == (3001, 34)
    assert doc.locate(("rows", 1500, "id")) == (1502, 6)
    assert doc.positions._children[("rows",)][2999] > 0  # the table's rows were walked once and kept
