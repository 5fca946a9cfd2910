"""Every message and summary exists in Chinese: each command's success and failure paths,
run with ``--lang zh`` over the examples and over bad inputs, leave no English sentence.

The check is a heuristic on what is left once the words that are the same in both
languages are taken out: quoted values, paths, ids, field names, options and section
numbers (anything with a digit, ``_``, ``-``, ``/``, ``.``, ``:`` …), format keywords, and
the detail a third-party parser or the operating system gives in its own words (after
``原文：``). Two ASCII words in a row that remain are English prose."""

from __future__ import annotations

import contextlib
import io
import json
import re
import string
from pathlib import Path

import pytest

from asprules import i18n
from asprules.cli import main
from support import REPO, incident, operation, write

QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`|「[^」\n]*」")
VERBATIM = re.compile(r"原文：.*$", re.M)  # a parser's own words, labelled as such
SHARED = re.compile(r"[\d_/\\.:=<>\[\]{}@+#|*%$-]")  # ids, paths, fields, options, numbers, sections
EDGES = " ,;:!?()'\"`"
# words of the rule format and of commands, the same in both languages
KEYWORDS = {
    "asprules", "grade", "authorize", "validate", "test", "diff", "schema", "init", "serve", "regrade",
    "grading", "authorization", "calendar", "customers", "facts", "scenarios", "incident", "operation",
    "first", "unique", "any", "all", "not", "priority", "collect", "sum", "count", "max", "min", "output", "order",
    "true", "false", "null", "none", "text", "number", "integer", "bool", "boolean", "enum", "list", "record", "duration", "instant",
    "approval", "notification", "qualification", "quorum", "raise", "lower", "cap", "floor", "unless", "within", "by",
    "field", "fields", "values", "default", "bands", "rows", "when", "level", "levels", "tables", "requires", "in", "ge", "lt",
    "email", "sms", "fax", "compiled", "rete", "wheel", "pip", "python", "git", "CI", "JSON", "YAML", "UTF", "IANA", "ISO",
    "Asia", "Shanghai", "Europe", "Berlin", "UTC", "KiB", "Friday", "sha256", "major", "prod",
}  # fmt: skip


def english(out: str, inputs: str = "") -> list[str]:
    """The runs of English words (two or more in a row) left in ``out``; a run the
    ``inputs`` hold word for word (a ruleset's basis, a person's name, a scenario's name)
    is their author's text, not ours."""
    found = []
    for line in VERBATIM.sub("", out).splitlines():
        ascii_only = re.sub(r"[^\x00-\x7f]", "  ", QUOTED.sub("  ", line))
        run: list[str] = []
        for token in ascii_only.split(" ") + [""]:
            core = token.strip(EDGES)
            if core and core.isalpha() and not SHARED.search(core) and core not in KEYWORDS and (len(core) > 1 or run):
                run.append(core)
                if token.rstrip(EDGES) == token:
                    continue  # no punctuation after it: the run goes on
            if len([w for w in run if len(w) > 1]) >= 2 and " ".join(run) not in inputs:
                found.append(f"{' '.join(run)!r} in: {line.strip()}")
            run = []
    return found


def test_the_heuristic_finds_english_and_spares_what_both_languages_share():
    assert english("错误：规则集无效（invalid ruleset: x.yaml）")
    assert english("  x.yaml:3:5: outage_minutes: Input should be a valid number")
    assert not english("  x.yaml:3:5: rows[0].when.ge: 未知字段 'outage_minute'（是否想写 'outage_minutes'？）")
    assert not english("注意：两个版本的派生值不同；请用样本比较（--scenarios）")
    assert not english("  x.yaml:1:2: YAML/JSON 语法错误（解析器原文：while parsing a flow mapping did not find expected ','）")


GRADING_BAD = """\
asprules: 1
kind: grading
id: bad-grading
defaults:
  timezone: {value: Mars/Olympus, cite: §1, provenance: handbook}
  maintenance_window: {value: "25:00-26:00", cite: §1, provenance: handbook}
derived:
  a: {add: [b, 1]}
  b: {add: [a, 1]}
  core_service: {mul: [outage_minutes, 2]}
levels:
  - {id: L1, name: one}
  - {id: L2, name: two}
tables:
  - id: t
    cite: §34
    hit_policy: first
    default: L9
    rows:
      - {id: r1, level: L1, cite: §34, when: {field: outage_minute, ge: 10}}
      - {id: r1, level: L2, cite: §34, when: {field: core_service, between: [9, 3]}}
      - {id: r3, level: L2, cite: §34, when: {field: started_at, eq: 3}}
      - {id: r4, level: L2, cite: §34, when: {local_time: {field: outage_minutes, within: "1-2"}}}
      - {id: r5, level: L2, cite: §34, when: {has_approval: {step: x}}}
adjustments:
  - {id: adj, raise: 1, cap: L2, floor: L1, cite: §34, when: {field: vip_customer, eq: yes}}
"""

AUTHORIZATION_BAD = """\
asprules: 1
kind: authorization
id: bad-authorization
roles:
  - {id: boss, name: boss}
steps:
  - {id: ok, name: ok, cite: §29, approval: {roles: [chief], evidence: [telepathy], distinct_from: {steps: [ok, nope]}}}
  - {id: tell, name: tell, cite: §32, notification: {channels: [pigeon], recipients: [nobody], lead_minutes_for: {r9: 10}}}
risk_classes:
  - {id: r1, name: one, cite: §28, chain: [ok, ok, missing], retrospective: [{step: tell, within: 72h}]}
  - {id: r2, name: two, cite: §28, when: {field: remote, eq: true}, chain: [ok]}
constraints:
  - {id: c1, cite: §1, message: no, applies_to: [r7], when: {field: remote, eq: true}}
"""

SHAPES_BAD = """\
asprules: 1
kind: grading
id: shapes
levels:
  - {id: L1, name: one, obligations: [{id: o, text: t, cite: §1, within: 3, kind: report}]}
  - {id: none, name: no, major: false}
tables:
  - id: t
    cite: §34
    hit_policy: sometimes
    default: none
    rows:
      - {id: r1, level: L1, cite: §34, provenance: assumed, when: {field: outage_minutes, ge: 1, le: 3}}
      - {id: r2, level: L1, cite: §34, when: {field: outage_minutes}}
      - {id: r3, level: L1, cite: §34, when: [1, 2]}
      - {id: r4, level: L1, cite: §34, when: {all: []}}
adjustments:
  - {id: a, raise: 1, lower: 1, cite: §34, when: {field: vip_customer, eq: true}}
"""

FINDINGS = """\
asprules: 1
kind: grading
id: findings
levels:
  - {id: L1, name: {en: one, zh: 一级}}
  - {id: L2, name: {en: two, zh: 二级}}
  - {id: none, name: {en: no, zh: 否}, major: false}
tables:
  - id: t
    cite: §34
    hit_policy: unique
    default: L1
    rows:
      - {id: short, level: L2, cite: §34, provenance: handbook, when: {field: outage_minutes, lt: 60}}
      - {id: shorter, level: L2, cite: §34, provenance: handbook, when: {field: outage_minutes, lt: 30}}
      - {id: long, level: none, cite: §34, provenance: handbook, when: {all: [{field: outage_minutes, ge: 120}, {field: core_service, eq: true}]}}
      - {id: never, level: L2, cite: §34, provenance: handbook, when: {all: [{field: outage_minutes, ge: 500}, {field: outage_minutes, lt: 100}]}}
adjustments:
  - {id: lift, raise: 1, cap: L2, cite: §34, provenance: handbook, when: {field: affected_sites, ge: 100}}
  - {id: dead, raise: 1, cap: L2, cite: §34, provenance: handbook, applies_to: [L1], when: {field: vip_customer, eq: true}}
"""

CALENDAR_BAD = """\
asprules: 1
kind: calendar
id: cal
timezone: Asia/Shanghai
periods:
  - {name: {en: backwards}, start: 2027-02-10, end: 2027-02-01}
  - {name: {en: nonsense}, start: someday, end: 2027-02-01}
"""

CUSTOMERS_BAD = """\
asprules: 1
kind: customers
id: reg
cite: §1
provenance: policy
customers:
  - {id: acme, timezone: Nowhere/Land, maintenance_window: "00:00-00:00"}
  - {id: acme, timezone: Asia/Shanghai, maintenance_window: "9am"}
"""

FACTS_BAD = """\
asprules: 1
kind: facts
id: tickets
extends: nothing
fields:
  id: {type: text}
  impact: {type: enumm}
  sizes: {type: list}
  count: {type: integer, min: 1.5, max: 0}
  name: {type: text, min: 3, default: x}
"""

SCENARIOS_FAILING = """\
asprules: 1
kind: scenarios
scenarios:
  - name: wrong level
    given: {incident}
    expect: {{level: L1}}
  - name: wrong status
    type: operation
    given: {operation}
    expect: {{status: denied}}
"""


def _run(argv: list[str], stdin: str | None = None) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    files = {
        "grading": write(d, "grading.yaml", GRADING_BAD),
        "authorization": write(d, "authorization.yaml", AUTHORIZATION_BAD),
        "shapes": write(d, "shapes.yaml", SHAPES_BAD),
        "findings": write(d, "findings.yaml", FINDINGS),
        "calendar": write(d, "calendar.yaml", CALENDAR_BAD),
        "customers": write(d, "customers.yaml", CUSTOMERS_BAD),
        "facts": write(d, "tickets.facts.yaml", FACTS_BAD),
        "syntax": write(d, "syntax.yaml", "asprules: 1\nkind: grading\nid: [unclosed\n"),
        "alias": write(d, "alias.yaml", "asprules: 1\nkind: grading\nid: &a x\nother: *a\n"),
        "not_mapping": write(d, "list.yaml", "- 1\n- 2\n"),
        "fact": write(d, "fact.yaml", "id: X\noutage_minutes: lots\nstarted_at: yesterday\nrecovered_at: 2026-01-01T00:00:00+08:00\n"),
        "timeline": write(d, "timeline.yaml", json.dumps(incident(recovered_at="2026-11-18T13:00:00+08:00", outage_minutes=None))),
        "lines": write(d, "tickets.jsonl", json.dumps(incident(id="A")) + "\n[1, 2]\n" + json.dumps(incident(id="C", affected_sites=-1)) + "\n{bad\n"),
        "scenarios": write(d, "failing.scenarios.yaml", SCENARIOS_FAILING.format(incident=json.dumps(incident()), operation=json.dumps(operation()))),
        "copied": write(d, "copied.scenarios.yaml", "asprules: 1\nkind: scenarios\nrules: ../gone\nscenarios: []\n"),
        "empty_dir": d / "empty",
    }
    files["empty_dir"].mkdir()
    return files


def widened(tmp: Path) -> Path:
    """The bundled rulesets with the default maintenance window an hour longer (more permissive)."""
    return edited(tmp, "widened", {'value: "00:00-05:00"': 'value: "00:00-06:00"'})


def edited(tmp: Path, name: str, edits: dict[str, str]) -> Path:
    """The bundled rulesets with each text of ``edits`` replaced (once, where it first occurs)."""
    out = tmp / name
    out.mkdir()
    for path in (REPO / "rulesets").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for old, new in edits.items():
            text = text.replace(old, new, 1)
        (out / path.name).write_text(text, encoding="utf-8")
    return out


# a threshold of a grading row and a notice's lead time: a grading band named by the edit,
# and an authorization band with the requirements it lost
EDITS = {"- {field: outage_minutes, ge: 60}": "- {field: outage_minutes, ge: 45}", "lead_minutes: 1440": "lead_minutes: 720"}


def _commands(bad: dict[str, Path], tmp: Path) -> list[list[str]]:
    ex = REPO / "examples"
    return [
        # success paths over the examples
        ["grade", str(ex / "incidents/l2-vip-raised.yaml"), "--why-not"],
        ["grade", str(ex / "incidents/l1-sensitive-period.yaml"), "--why-not"],
        ["grade", str(ex / "incidents/none-brief-blip.yaml"), "--why-not"],
        ["grade", str(ex / "tickets.jsonl")],
        *(["authorize", str(p), "--why-not"] for p in sorted((ex / "operations").glob("*.yaml"))),
        ["validate"],
        ["validate", str(REPO / "rulesets"), "--strict"],
        ["test", str(ex / "scenarios"), "--coverage"],
        ["test", str(ex)],
        ["diff", str(REPO / "rulesets"), str(ex / "first-rules"), "--only-raise"],
        ["diff", str(REPO / "rulesets"), str(widened(tmp)), "--only-restrict"],
        ["diff", str(REPO / "rulesets"), str(edited(tmp, "edited", EDITS)), "--only-raise", "--only-restrict"],
        ["init", str(tmp / "repo")],
        # failure paths
        ["init", str(tmp / "repo")],
        ["init", str(tmp / "repo2"), "--wheel", str(bad["fact"])],
        *(["validate", str(bad[k])] for k in ("grading", "authorization", "shapes", "calendar", "customers", "facts", "syntax", "alias", "not_mapping")),
        ["validate", str(bad["findings"])],
        ["validate", str(bad["empty_dir"])],
        ["validate", str(tmp / "missing.yaml")],
        ["grade", str(bad["fact"])],
        ["grade", str(bad["timeline"])],
        ["grade", str(bad["lines"])],
        ["grade", str(ex / "operations/denied-outside-window.yaml")],
        ["grade", str(ex / "incidents/l2-vip-raised.yaml"), "--rules", str(REPO / "rulesets/authorization.yaml")],
        ["grade", str(ex / "incidents/l2-vip-raised.yaml"), "--decision", "nope"],
        ["grade", str(tmp / "missing.yaml")],
        ["grade", str(bad["empty_dir"])],
        ["authorize", str(ex / "incidents/l2-vip-raised.yaml")],
        ["authorize", str(ex / "operations/authorized-core-cutover.yaml"), "--rules", str(ex / "first-rules")],
        ["grade", str(ex / "incidents/l2-vip-raised.yaml"), "--rules", str(bad["findings"]), "--rules", str(ex / "first-rules")],
        ["test", str(bad["scenarios"])],
        ["test", str(bad["copied"])],
        ["test", str(bad["empty_dir"])],
        ["diff", str(REPO / "rulesets")],
        ["schema", "nothing"],
    ]


def _inputs(bad: dict[str, Path]) -> str:
    """The text of every file the commands read: what its author wrote may be English."""
    paths = [*REPO.glob("rulesets/*.yaml"), *REPO.glob("examples/**/*.yaml"), *REPO.glob("examples/*.jsonl"), *(p for p in bad.values() if p.is_file())]
    return " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in paths)


def test_every_command_speaks_chinese_on_success_and_failure(bad, tmp_path):
    inputs = _inputs(bad)
    leaks = []
    for argv in _commands(bad, tmp_path):
        code, out = _run([*argv, "--lang", "zh"])
        assert code in (0, 1, 2, 4, 5, 6), (argv, code, out)
        leaks += [f"{' '.join(argv[:2])}: {hit}" for hit in english(out, inputs)]
    assert not leaks, "\n".join(leaks)


def test_the_failure_paths_do_fail(bad, tmp_path):
    """The bad inputs above are refused (so the Chinese checked is that of their errors),
    and in English the heuristic does find English in what they print."""
    inputs = _inputs(bad)
    for argv in (["validate", str(bad["grading"])], ["validate", str(bad["findings"])], ["grade", str(bad["fact"])], ["init", str(tmp_path)]):
        _, out = _run([*argv, "--lang", "en"])
        assert len(english(out, inputs)) >= 1, (argv, out)
    for key in ("grading", "authorization", "shapes", "calendar", "customers", "facts", "syntax", "alias", "not_mapping"):
        code, out = _run(["validate", str(bad[key]), "--lang", "zh"])
        assert code == 2 and "错误：" in out, (key, out)
    code, out = _run(["validate", str(bad["findings"]), "--lang", "zh"])
    assert code == 1 and "[overlap]" in out and "[gap]" in out and "[non-monotone]" in out and "没有规则覆盖" in out


def test_why_not_any_names_each_failure_in_chinese(tmp_path):
    rules = write(
        tmp_path,
        "g.yaml",
        """\
        asprules: 1
        kind: grading
        id: g
        levels:
          - {id: L1, name: {en: one, zh: 一级}}
          - {id: none, name: {en: no, zh: 否}, major: false}
        tables:
          - id: t
            cite: §34
            hit_policy: first
            default: none
            rows:
              - {id: r1, level: L1, cite: §34, provenance: handbook, when: {any: [{field: outage_minutes, ge: 60}, {field: vip_customer, eq: true}]}}
        """,
    )
    fact = write(tmp_path, "f.json", json.dumps(incident()))
    code, out = _run(["grade", str(fact), "--rules", str(rules), "--why-not", "--lang", "zh"])
    assert code == 0 and "均不成立：outage_minutes 5 < 60；" in out, out
    assert not english(out), english(out)
    code, out = _run(["grade", str(fact), "--rules", str(rules), "--why-not", "--format", "json", "--lang", "zh"])
    [why] = json.loads(out)["why_not"]
    assert why["failed"]["params"]["failures"]["zh"].startswith("outage_minutes 5 < 60；")


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_message_key_has_both_languages_and_the_same_values():
    assert set(i18n.EN) <= set(i18n.ZH), sorted(set(i18n.EN) - set(i18n.ZH))
    assert set(i18n.ZH) - set(i18n.EN) == set(i18n.ENGLISH_ELSEWHERE)
    for key, en in i18n.EN.items():
        zh = i18n.ZH[key]
        assert _fields(zh) <= _fields(en), key  # Chinese has no plural, so it may use fewer
        assert not english(zh.format(**{f: "" for f in _fields(zh)})) or key.startswith(("hint.", "init.wheels")), (key, zh)


def test_every_catalog_key_the_code_names_exists():
    """``said("problem.x")``, ``i18n.problem("x")``, ``i18n.error(..., "x")`` and
    ``LocalValueError("x")`` in the source all name a key of both catalogs."""
    src = REPO / "src/asprules"
    text = "\n".join(p.read_text(encoding="utf-8") for p in src.rglob("*.py"))
    named = set(re.findall(r"\bsaid\(\s*\"([a-z_.]+)\"", text))
    named |= {f"problem.{k}" for k in re.findall(r"\bproblem\(\s*\"([a-z_.A-Z]+)\"", text)}
    named |= {f"problem.{k}" for k in re.findall(r"LocalValueError\(\s*\"([a-z_]+)\"", text)}
    named |= {f"summary.{k}" for k in re.findall(r"\berror\(\s*\w+,\s*\"([a-z_]+)\"", text)}
    assert len(named) > 150
    missing = sorted(k for k in named if k not in i18n.EN or k not in i18n.ZH)
    assert not missing, missing


def test_diff_speaks_chinese_in_its_changed_regions(tmp_path):
    """A changed region, its band, what each version requires there and the details are
    Chinese with --lang zh (they were English words); the English run keeps its English."""
    old, new = str(REPO / "rulesets"), str(edited(tmp_path, "edited", {**EDITS, 'value: "00:00-05:00"': 'value: "00:00-06:00"'}))
    code, zh = _run(["diff", old, new, "--lang", "zh"])
    assert code == 0, zh
    regions = [line for line in zh.splitlines() if line.startswith("  ")]
    assert len(regions) >= 4, zh
    for words in ("区段：outage_minutes 60→45", "处于敏感时期 = false", "在时间窗 00:00-05:00 内", "不满足 (", "所有操作", "在两个版本中都拒绝之处除外",
                  "被 major-impact-outside-window 拒绝", "不再被 major-impact-outside-window 拒绝", "- 提前 1440 分钟经 email 通知", "（更宽松）", "（升高）"):
        assert words in zh, (words, zh)
    assert not english(zh), english(zh)
    _, en = _run(["diff", old, new, "--lang", "en"])
    assert "band: outage_minutes 60→45" in en and "no longer denied by major-impact-outside-window" in en and "email notice 1440 min ahead" in en
    assert english(en)


def test_conditions_and_step_policies_in_words_speak_chinese():
    from asprules.checks.changes import condition_words
    from asprules.checks.diff import approval_policy_changes, _policy_words
    from asprules.format.document import ApprovalRequirement

    cond = {"all": [{"not": {"in_window": {"start": "s", "end": "e"}}}, {"field": "kind", "not_in": ["a", "b"]}, {"field": "tags", "contains_any": ["x"]},
                    {"any": [{"field": "note", "present": False}, {"local_time": {"field": "s", "within": "22:00-06:00"}}]},
                    {"has_approval": {"step": "tech", "evidence": ["signed"]}}, {"in_sensitive_period": {"field": "s"}}]}
    zh = condition_words(cond, "zh")
    assert zh == ("不满足 (s–e 在维护窗口内) 且 kind 不属于 {a, b} 且 tags 含 {x} 中任一项 且 (note 未给出 或 s 当地时间在 22:00-06:00 内) 且 "
                  "已记录步骤 tech 的审批（审批人 任何人，形式 signed） 且 s 处于敏感时期"), zh
    assert not english(zh)
    assert condition_words(cond).startswith("not (s–e inside the maintenance window) and kind not in {a, b}")
    a = ApprovalRequirement.model_validate({"roles": ["boss"], "quorum": 2})
    b = ApprovalRequirement.model_validate({"roles": ["boss"], "quorum": 1, "valid_for": "24h"})
    looser, tighter = approval_policy_changes(a, b)
    words = _policy_words(looser, tighter)
    assert words == "looser quorum; stricter approval validity" and words.render("zh") == "放宽 审批人数；收紧 审批有效期"


def test_regrade_prints_its_summary_and_errors_in_chinese(tmp_path):
    pytest.importorskip("duckdb", reason="the columnar extra (pip install -e '.[test,columnar]'; .ci/run installs it)")
    rows = [json.dumps(incident(id=f"I{i}", outage_minutes=5 + 30 * i)) for i in range(3)] + [json.dumps(incident(id="BAD", affected_sites=-1))]
    tickets = write(tmp_path, "tickets.jsonl", "\n".join(rows) + "\n")
    code, zh = _run(["regrade", str(tickets), "-o", str(tmp_path / "out.csv"), "--lang", "zh"])
    assert code == 2, zh  # one invalid row: written to the errors file, the run goes on, exit 2
    for words in ("级别", "工单数", "占比", "已定级", "无效", "（见 ", "规则集 ", "用时 "):
        assert words in zh, (words, zh)
    assert not english(zh), english(zh)
    code, en = _run(["regrade", str(tickets), "-o", str(tmp_path / "out.csv")])
    assert code == 2 and "tickets" in en and "graded" in en and "(see " in en
    failures = [
        ["regrade", str(write(tmp_path, "x.txt", "a")), "-o", str(tmp_path / "o.csv")],
        ["regrade", str(tmp_path / "nowhere.jsonl"), "-o", str(tmp_path / "o.csv")],
        ["regrade", str(write(tmp_path, "p.parquet", "not parquet")), "-o", str(tmp_path / "o.csv")],
        ["regrade", str(write(tmp_path, "l.jsonl", "[1]\n")), "-o", str(tmp_path / "o.csv")],
        ["regrade", str(write(tmp_path, "k.jsonl", json.dumps({**incident(), "colour": "red"}) + "\n")), "-o", str(tmp_path / "o.csv")],
        ["regrade", str(write(tmp_path, "c.csv", "id,outage_minutes,colour\nA,x,red\n")), "-o", str(tmp_path / "o.csv")],
    ]
    for argv in failures:
        code, out = _run([*argv, "--lang", "zh"])
        assert code == 2 and out.startswith("错误："), (argv, out)
        assert not english(out), (argv, english(out))


def test_serve_says_its_start_up_and_refusals_in_chinese(tmp_path):
    pytest.importorskip("uvicorn", reason="the serve extra (pip install -e '.[test,serve]'; .ci/run installs it)")
    import os
    import socket
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "asprules", "serve", "--port", "0", "--host", "0.0.0.0", "--lang", "zh"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "正在监听 http://" in line:
                break
    finally:
        proc.terminate()
        proc.wait(30)
    out = "\n".join(lines)
    assert "正在监听 http://0.0.0.0:" in out and "提供 grading 规则集 asp-handbook-grading" in out and "未设 Bearer 令牌" in out, out
    assert not english(out), english(out)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        failures = [
            ["serve", "--rules", str(tmp_path / "nowhere")],
            ["serve", "--token-file", str(write(tmp_path, "tokens", "# none yet\n"))],
            ["serve", "--token-file", str(tmp_path / "no-tokens")],
            ["serve", "--token-env", "ASPRULES_TEST_NO_SUCH_VARIABLE"],
            ["serve", "--port", str(port)],
        ]
        for argv in failures:
            code, said = _run([*argv, "--lang", "zh"])
            assert code == 2 and said.startswith("错误："), (argv, said)
            assert not english(said), (argv, english(said))
