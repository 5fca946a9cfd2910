"""Explanations and errors in English and Chinese: API, command line and ASPRULES_LANG."""

from __future__ import annotations

import ast
import collections
import json

import re
import string

import pytest

import asprules
from asprules import i18n
from asprules.cli import main
from support import FULL_CHAIN, REPO, approval, incident, operation, write

RULES = asprules.load_rulesets()
CJK = re.compile(r"[\u4e00-\u9fff]")


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_catalogs_have_the_same_keys_and_no_unknown_placeholders():
    assert set(i18n.EN) <= set(i18n.ZH), sorted(set(i18n.EN) - set(i18n.ZH))
    # Chinese only: pydantic's error types (the English is pydantic's own message) and the
    # few messages whose English is made where they are raised
    assert set(i18n.ZH) - set(i18n.EN) == set(i18n.ENGLISH_ELSEWHERE)
    for key, en in i18n.EN.items():
        assert fields(i18n.ZH[key]) <= fields(en), key  # Chinese has no plural, so it may use fewer
        assert i18n.ZH[key].strip() or not en.strip(), key


def test_no_dict_literal_in_the_source_repeats_a_key():
    # Python keeps the last of two equal keys in a literal without a word: a catalog key
    # written twice loses one text silently (a second words.no_witness nearly replaced the first).
    repeated = []
    for path in sorted((REPO / "src" / "asprules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                repeated += [f"{path.relative_to(REPO)}:{node.lineno}: {k!r}" for k, n in collections.Counter(keys).items() if n > 1]
    assert not repeated, "keys written twice in one dict literal:\n" + "\n".join(repeated)


def test_grade_explains_in_chinese_with_level_names_from_the_ruleset():
    d = asprules.grade(incident(outage_minutes=40, affected_users_pct=8, vip_customer=True), RULES)
    zh = d.explain(lang="zh")
    assert zh.splitlines()[0] == "级别 L2：二级重大故障"
    assert "基础级别 L3，依据定级表 production" in zh
    assert "prod-l3-outage (§34.2.2) 业务中断 — 定为 L3 [参考默认值]" in zh
    assert "adj-vip-customer (§34.2.4) 重要客户 — L3 → L2 [参考默认值]" in zh
    assert "Level" not in zh and "reference default" not in zh


def test_english_stays_the_default_and_shows_both_names():
    d = asprules.grade(incident(outage_minutes=40, affected_users_pct=8, vip_customer=True), RULES)
    assert d.explain() == d.explain(lang="en")
    assert d.explain().splitlines()[0] == "Level L2: Level 2 major fault (二级重大故障)"


def test_bounded_adjustment_detail_is_translated():
    d = asprules.grade(incident(outage_minutes=40, affected_users_pct=8, vip_customer=True, customer_complaint=True), RULES)
    complaint = next(f for f in d.fired if f.id == "adj-customer-complaint")
    assert complaint.detail == "L2 → L2 (no change: cap is L2)"
    assert complaint.line("zh").endswith("客户投诉 — L2 → L2（未调整：上限为 L2） [参考默认值]")


def test_no_row_matched_in_chinese():
    d = asprules.grade(incident(), RULES)
    assert "定级表 production 中没有规则命中" in d.explain(lang="zh")
    assert d.explain(lang="zh").splitlines()[0] == "级别 none：非重大故障"


def test_pending_authorization_names_missing_steps_in_chinese():
    chain = [a for a in FULL_CHAIN if a["step"] != "technical"]
    d = asprules.authorize(operation(approvals=chain, notifications=[]), RULES)
    zh = d.explain(lang="zh")
    assert zh.splitlines()[0] == "待授权：尚缺 技术授权、操作知会"
    assert "风险类别 high：高危操作" in zh
    assert "… technical (§30) 技术授权" in zh and "- 未记录技术授权审批" in zh
    assert "- 未发送邮件通知" in zh and "- 未发送短信通知" in zh
    assert d.explain().splitlines()[0] == "PENDING: missing technical, notification"


def test_every_reason_has_a_chinese_rendering():
    late = "2026-12-03T00:00:00+08:00"
    cases = [
        {"approvals": [approval("management", "customer", "2026-11-25T10:00:00+08:00")] + FULL_CHAIN[1:]},
        {"engineer": {"id": "E9", "qualification": 1}},
        {"approvals": FULL_CHAIN[:2] + [approval("customer", "customer", "2026-11-27T10:00:00+08:00")]},
        {"approvals": FULL_CHAIN[:2] + [approval("customer", "customer", late, "fax")]},
        {"approvals": [FULL_CHAIN[0], approval("technical", "technical_authorization_team", "2026-11-24T10:00:00+08:00"), FULL_CHAIN[2]]},
        {"notifications": [{"channel": "email", "to": "a", "at": "2026-12-01T23:00:00+08:00"}]},
    ]
    for over in cases:
        d = asprules.authorize(operation(**over), RULES)
        reasons = [r for s in d.steps for r in s.reasons_in("zh")]
        assert reasons, over
        assert all(CJK.search(r) for r in reasons), reasons
        assert [r for s in d.steps for r in s.reasons_in("en")] == [r for s in d.steps for r in s.reasons]


def test_denied_shows_the_ruleset_chinese_message():
    d = asprules.authorize(operation(other_vendor_equipment=True), RULES)
    zh = d.explain(lang="zh")
    assert zh.startswith("拒绝：") and "禁止操作与本次服务不相关的设备及其他厂家的设备" in zh


def test_names_without_chinese_stay_english(tmp_path):
    from support import grading_rules, row

    rules = grading_rules(tmp_path, row("r1", "L3", "{field: outage_minutes, ge: 30}"))
    d = asprules.grade(incident(outage_minutes=30), rules)
    assert d.explain(lang="zh").splitlines()[0].startswith("级别 L3：")


def test_unknown_language_is_a_clear_error():
    d = asprules.grade(incident(), RULES)
    with pytest.raises(i18n.UnsupportedLanguage, match="unsupported language 'fr'.*use one of en, zh"):
        d.explain(lang="fr")
    assert isinstance(i18n.UnsupportedLanguage("x"), (asprules.AspRulesError, ValueError))


def test_language_from_env():
    assert i18n.language_from_env({}) == "en"
    assert i18n.language_from_env({"ASPRULES_LANG": "zh"}) == "zh"
    assert i18n.language_from_env({"ASPRULES_LANG": " "}) == "en"
    with pytest.raises(i18n.UnsupportedLanguage, match="ASPRULES_LANG"):
        i18n.language_from_env({"ASPRULES_LANG": "de"})


# --- command line ----------------------------------------------------------------------

GRADE = ["grade", str(REPO / "examples/incidents/l2-vip-raised.yaml")]
AUTHORIZE = ["authorize", str(REPO / "examples/operations/pending-upgrade-missing-steps.yaml")]


def test_cli_lang_flag(capsys, monkeypatch):
    monkeypatch.delenv("ASPRULES_LANG", raising=False)
    assert main(GRADE + ["--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith("INC-2026-1103: 级别 L2：二级重大故障")
    assert main(AUTHORIZE + ["--lang", "zh"]) == 0
    assert "尚缺 技术授权、操作知会" in capsys.readouterr().out
    assert main(GRADE) == 0
    assert capsys.readouterr().out.startswith("INC-2026-1103: Level L2")


def test_cli_reads_asprules_lang_and_the_flag_wins(capsys, monkeypatch):
    monkeypatch.setenv("ASPRULES_LANG", "zh")
    assert main(AUTHORIZE) == 0
    assert "授权链：" in capsys.readouterr().out
    assert main(AUTHORIZE + ["--lang", "en"]) == 0
    assert "authorization chain:" in capsys.readouterr().out


def test_cli_json_keeps_its_codes_and_renders_its_text_in_the_language(capsys, monkeypatch):
    monkeypatch.setenv("ASPRULES_LANG", "zh")
    assert main(AUTHORIZE + ["--format", "json"]) == 0
    zh = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("ASPRULES_LANG", "en")
    assert main(AUTHORIZE + ["--format", "json"]) == 0
    en = json.loads(capsys.readouterr().out)
    assert (zh["lang"], en["lang"]) == ("zh", "en")
    reasons = [(s["reasons"], t["reasons"]) for s, t in zip(zh["steps"], en["steps"]) if s["reasons"]]
    assert reasons
    for zh_reasons, en_reasons in reasons:
        assert [(r["code"], r["params"]) for r in zh_reasons] == [(r["code"], r["params"]) for r in en_reasons]
        assert all(CJK.search(r["text"]) for r in zh_reasons) and not any(CJK.search(r["text"]) for r in en_reasons)
    assert any(r["text"] == "no technical approval recorded" for _, en_reasons in reasons for r in en_reasons)


def test_cli_unknown_env_language_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("ASPRULES_LANG", "fr")
    assert main(GRADE) == 2
    assert capsys.readouterr().err.strip() == "error: unsupported language 'fr' in ASPRULES_LANG; use one of en, zh"


def test_cli_unknown_flag_language_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(GRADE + ["--lang", "fr"])
    assert exc.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err


def test_cli_errors_in_chinese_keep_file_line_and_field(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("ASPRULES_LANG", raising=False)
    bad = write(tmp_path, "bad.yaml", "id: X\nenvironment: production\ncore_service: 'no'\nfoo: 1\n")
    assert main(["grade", str(bad), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：事实数据无效（故障 'X'）（共 ")
    assert f"{bad}:3:1: core_service: 应为布尔值 true 或 false（实际为 'no'）" in err
    assert f"{bad}:4:1: foo: 未知字段" in err
    assert f"{bad}:1:1: started_at: 缺少必填字段" in err
    assert main(["grade", str(bad)]) == 2
    assert f"{bad}:4:1: foo: unknown field" in capsys.readouterr().err


def test_cli_validate_in_chinese(capsys, tmp_path):
    assert main(["validate", str(REPO / "rulesets"), "--lang", "zh"]) == 0
    capsys.readouterr()
    write(tmp_path, "r.yaml", "asprules: 1\nkind: grading\nid: x\n")
    assert main(["validate", str(tmp_path), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：规则集无效：") and "r.yaml:1:1: tables: 缺少必填字段" in err
