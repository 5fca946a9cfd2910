"""The command line fits shell habits: --version, - for stdin, JSON Lines in and out,
--fail-fast, --exit-status for a shell step to gate on, and a progress counter only on a terminal."""

from __future__ import annotations

import io
import json
import sys

import pytest

import asprules
from asprules.cli import main
from asprules.cli.common import EXIT_DENIED, EXIT_FINDINGS, EXIT_OK, EXIT_PENDING, Progress
from support import REPO

OPS = REPO / "examples/operations"


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"asprules {asprules.__version__}"


def test_a_dash_reads_stdin(monkeypatch, capsys):
    text = (REPO / "examples/incidents/l2-vip-raised.yaml").read_text(encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    assert main(["grade", "-"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("INC-")


def test_a_bad_fact_on_stdin_is_named_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"id: X\naffected_users: many\n")))
    assert main(["grade", "-"]) == 2
    err = capsys.readouterr().err
    assert "<stdin>:2" in err and "<input>" not in err


@pytest.mark.parametrize(
    ("name", "code"),
    [("authorized-core-cutover", EXIT_OK), ("pending-upgrade-missing-steps", EXIT_PENDING), ("denied-outside-window", EXIT_DENIED)],
)
def test_exit_status_says_the_decision(name, code, capsys):
    path = str(OPS / f"{name}.yaml")
    assert main(["authorize", path]) == EXIT_OK  # opt-in: without the flag, a decision is exit 0
    assert main(["authorize", path, "--exit-status"]) == code


def test_json_lines_go_on_past_a_bad_line_unless_fail_fast(tmp_path, capsys):
    lines = [json.dumps(asprules.operation_from_file(str(p)).model_dump(mode="json")) for p in sorted(OPS.glob("*.yaml"))[:3]]
    path = tmp_path / "ops.jsonl"
    path.write_text("\n".join([lines[0], "{not json", lines[1], lines[2]]) + "\n", encoding="utf-8")
    assert main(["authorize", str(path), "--format", "json"]) == EXIT_FINDINGS
    out, err = capsys.readouterr()
    assert [json.loads(x)["line"] for x in out.splitlines()] == [1, 2, 3, 4]
    assert f"{path}:2" in err
    assert main(["authorize", str(path), "--format", "json", "--fail-fast"]) == EXIT_FINDINGS
    assert [json.loads(x)["line"] for x in capsys.readouterr().out.splitlines()] == [1, 2]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_on_a_terminal_and_only_for_long_work():
    for stream, total, shown in ((_Tty(), 500, True), (io.StringIO(), 500, False), (_Tty(), 10, False)):
        bar = Progress(total, "facts", stream=stream)
        for _ in range(total):
            bar.step()
        bar.close()
        assert (f"{total}/{total} facts" in stream.getvalue()) is shown
        assert stream.getvalue() == "" or shown


def test_schema_takes_format_and_lang(capsys):
    assert main(["schema", "grade-decision", "--format", "json", "--lang", "zh"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("asprules grade decision")
    assert main(["schema", "nonsense", "--lang", "zh"]) == 2
    assert "错误：未知的模式" in capsys.readouterr().err


def test_a_corpus_diff_counts_each_fact_and_a_count_without_total_shows_on_a_terminal():
    from asprules.checks.diff import diff

    rules = asprules.load_rulesets()
    seen = []
    report = diff(rules, rules, [REPO / "examples/scenarios"], step=lambda: seen.append(1))
    assert len(seen) == report.corpus_total > 0
    stream = _Tty()
    bar = Progress(None, "facts", stream=stream)
    for _ in range(100):
        bar.step()
    bar.close()
    assert "100 facts" in stream.getvalue() and Progress(None, "facts", stream=io.StringIO()).shown is False
