"""libyaml's composer (the fast path) reads files exactly as the strict composer does."""

from __future__ import annotations

import pytest

from asprules import source
from support import REPO

FILES = sorted(REPO.glob("rulesets/*.yaml")) + sorted(REPO.glob("examples/**/*.yaml"))
TRICKY = """
名称: {en: "x", zh: 一级重大故障}   # wide characters before a flow mapping on one line
flags: [no, NO, yes, on, true, False]
when: 2026-11-18T14:05:00+08:00
day: 2026-02-15
numbers: [1, 1.5, 0x1F, 1_000, .inf]
empty:
nested: {a: [{b: {c: 名}}, {d: "e"}]}
"""


def parse_both(text: str, monkeypatch) -> tuple[source.SourceDocument, source.SourceDocument]:
    fast = source.parse_text(text, "f.yaml")
    with monkeypatch.context() as m:
        m.setattr(source, "_FastComposer", None)
        strict = source.parse_text(text, "f.yaml")
    return fast, strict


@pytest.mark.skipif(source._FastComposer is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in FILES] + [TRICKY], ids=[p.name for p in FILES] + ["tricky"])
def test_both_composers_give_the_same_data_and_positions(text, monkeypatch):
    fast, strict = parse_both(text, monkeypatch)
    assert fast.data == strict.data
    assert fast.positions == strict.positions


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x 1\nb: *x\n", "anchors and aliases are not allowed"),
        ("a: [1, 2\nb: 3\n", "cannot parse"),
        ("a: 1\na: 2\n", "cannot parse"),
    ],
)
def test_errors_are_worded_by_the_strict_composer(text, message):
    with pytest.raises(Exception) as err:
        source.parse_text(text, "f.yaml")
    assert message in str(err.value)
