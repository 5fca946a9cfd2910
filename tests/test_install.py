"""A default install needs no compiler: durable-rules is the ``rete`` extra, and without it
the Rete backend says how to get it, in Python's words and in the command line's."""

from __future__ import annotations

import sys
import tomllib

import pytest

import asprules
from asprules.cli import main
from asprules.errors import BackendUnavailable
from support import REPO, RULESETS, incident, operation


@pytest.fixture
def without_durable(monkeypatch: pytest.MonkeyPatch):
    from asprules.backends.rete import host

    monkeypatch.setitem(sys.modules, "durable.engine", None)
    host._host_class.cache_clear()
    yield asprules.load_rulesets(RULESETS)  # fresh evaluators: no engine built yet
    host._host_class.cache_clear()


def test_durable_rules_is_an_extra_and_any_newer_python_is_allowed():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(d.startswith("durable") for d in project["dependencies"])
    assert any(d.startswith("durable-rules") for d in project["optional-dependencies"]["rete"])
    assert project["requires-python"] == ">=3.11"
    assert project["license"] == "Apache-2.0"  # an SPDX expression, not the deprecated table


def test_without_durable_rete_is_unavailable_and_compiled_still_works(without_durable):
    rules = without_durable
    assert asprules.grade(incident(), rules).level == "none"
    with pytest.raises(BackendUnavailable, match="durable-rules") as exc:
        asprules.grade(incident(), rules, backend="rete")
    message = str(exc.value)
    assert "import durable.engine failed" in message
    assert "pip install 'asprules[rete]'" in message and "3.11 and 3.12" in message
    assert "backend='compiled'" in message and "--backend" not in message
    with pytest.raises(BackendUnavailable):
        asprules.authorize(operation(), rules, backend="rete")


def test_the_command_line_words_the_remedy_as_an_option(without_durable, capsys):
    code = main(["grade", str(REPO / "examples/incidents/l2-vip-raised.yaml"), "--backend", "rete"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--backend compiled" in err and "backend='compiled'" not in err and "asprules[rete]" in err
    main(["grade", str(REPO / "examples/incidents/l2-vip-raised.yaml"), "--backend", "rete", "--lang", "zh"])
    err = capsys.readouterr().err
    assert "提示" in err and "--backend compiled" in err and "C 编译器" in err


def test_timelines_without_durable_say_the_same(without_durable):
    from asprules.backends.rete.timeline import IncidentTimeline

    with pytest.raises(BackendUnavailable, match="timelines") as exc:
        IncidentTimeline(without_durable)
    assert "asprules[rete]" in str(exc.value)
