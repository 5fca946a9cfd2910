"""Messages in English and Chinese (中文) for explanations and errors.

The people who write and read these rules are service managers and support engineers,
many of whom read Chinese first. Names of levels, steps, risk classes and rules come
from the ruleset itself (its ``{en, zh}`` texts); everything the library says around
them comes from the two catalogs below. Decisions keep English strings for the JSON
contract and carry :class:`Message` values beside them, so ``explain(lang="zh")`` can
render the same facts in Chinese without parsing English back.

The library never reads the environment on its own: ``ASPRULES_LANG`` is honoured by
the command line, and by callers who pass ``lang=language_from_env()``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Mapping, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Field

from .errors import AspRulesError, Problem


class LocalText(BaseModel):
    """Text in English and, where the handbook has the term, Chinese."""

    # The ruleset documents' settings; defer_build keeps validators out of import time.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)
    en: Annotated[str, Field(min_length=1)]
    zh: str | None = None


LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT_LANGUAGE = "en"
ENV_VAR = "ASPRULES_LANG"

EN: dict[str, str] = {
    # grading explanation
    "grade.level": "Level {level}: {name}",
    "grade.base_from_table": "  base level {base} from table {table}:",
    "grade.row": "row",
    "grade.base_from_score": "  base level {base} from table {table}, total {score}:",
    "grade.no_row": "  base level {base}: no row of table {table} matched",
    "grade.adjustments": "  level adjustments:",
    "grade.outputs": "Outputs of {decision}:",
    "grade.outputs_from": "  from table {table}:",
    "grade.inputs": "  from the decisions it reads:",
    "grade.obligations": "  obligations:",
    "obligation.due": "{text} due {due} ({cite})",
    "obligation.no_due": "{text} ({cite})",
    "obligation.overdue": " [overdue]",
    "obligation.met": " [met]",
    "detail.outputs": "gives {outputs}",
    "detail.to_level": "gives {level}",
    "detail.scores": "scores {score}",
    "detail.counted": "counted",
    "detail.adjusted": "{old} → {new}",
    "detail.no_change_cap": "{old} → {new} (no change: cap is {bound})",
    "detail.no_change_floor": "{old} → {new} (no change: floor is {bound})",
    "detail.bounded_raise": "{old} → {new} (raise {step} bounded at {bound})",
    "detail.bounded_lower": "{old} → {new} (lower {step} bounded at {bound})",
    "detail.satisfied": "satisfied",
    "detail.violated": "violated",
    "detail.waived": "waived: its exception holds",
    "reference_default": " [reference default]",
    "ruleset": "  ruleset {id} sha256:{sha}",
    # authorization explanation
    "auth.authorized": "AUTHORIZED: every step of the chain is satisfied and no constraint is broken",
    "auth.pending": "PENDING: missing {missing}",
    "auth.denied": "DENIED: a hard constraint forbids this operation",
    "auth.risk_class": "  risk class {risk}: {name}",
    "auth.chain": "  authorization chain:",
    "list.separator": ", ",
    "reason.no_approval": "no {step} approval recorded",
    "reason.wrong_role": "approval by {by} has role {role}; needs one of {roles}",
    "reason.bad_evidence": "approval by {by} rests on {evidence}, not an accepted form ({forms})",
    "reason.after_start": "approval by {by} at {at} comes after the scheduled start {start}",
    "reason.out_of_order": "approval by {by} at {at} precedes the {previous} approval at {previous_at}; the chain is ordered",
    "reason.qualification": "engineer {engineer} holds qualification {held}; this step needs at least {need}",
    "reason.no_notification": "no {channel} notification sent",
    "reason.late_notification": "{channel} notification must go out at least {lead} minutes before the start (by {deadline})",
    "reason.late_notification_no_lead": "{channel} notification must go out before the start (by {deadline})",
    "evidence.none": "no evidence",
    # errors and command-line output
    "error": "error: {summary}",
    "error.count": " ({count} problem{plural}):",
    "error.FactError": "{summary}",
    "error.RulesetError": "{summary}",
    "error.EvaluationError": "{summary}",
    "error.BackendUnavailable": "{summary}",
    "validate.ok": "ok  {file}  ({kind} {id})",
    "language.unsupported": "unsupported language {lang!r} in {source}; use one of {choices}",
}

ZH: dict[str, str] = {
    "grade.level": "级别 {level}：{name}",
    "grade.base_from_table": "  基础级别 {base}，依据定级表 {table}：",
    "grade.row": "定级规则",
    "grade.base_from_score": "  基础级别 {base}，依据定级表 {table}，总分 {score}：",
    "grade.no_row": "  基础级别 {base}：定级表 {table} 中没有规则命中",
    "grade.adjustments": "  级别调整：",
    "grade.outputs": "{decision} 的输出：",
    "grade.outputs_from": "  依据定级表 {table}：",
    "grade.inputs": "  所依据的其他决策：",
    "grade.obligations": "  后续义务：",
    "obligation.due": "{text}，截止 {due}（{cite}）",
    "obligation.no_due": "{text}（{cite}）",
    "obligation.overdue": " [已逾期]",
    "obligation.met": " [已完成]",
    "detail.outputs": "给出 {outputs}",
    "detail.to_level": "定为 {level}",
    "detail.scores": "计 {score} 分",
    "detail.counted": "计入",
    "detail.adjusted": "{old} → {new}",
    "detail.no_change_cap": "{old} → {new}（未调整：上限为 {bound}）",
    "detail.no_change_floor": "{old} → {new}（未调整：下限为 {bound}）",
    "detail.bounded_raise": "{old} → {new}（上调 {step} 级，受上限 {bound} 约束）",
    "detail.bounded_lower": "{old} → {new}（下调 {step} 级，受下限 {bound} 约束）",
    "detail.satisfied": "已满足",
    "detail.violated": "已违反",
    "detail.waived": "已豁免：例外条件成立",
    "reference_default": " [参考默认值]",
    "ruleset": "  规则集 {id} sha256:{sha}",
    "auth.authorized": "已授权：授权链各步骤均已满足，且未违反任何约束",
    "auth.pending": "待授权：尚缺 {missing}",
    "auth.denied": "拒绝：违反硬性约束，禁止此操作",
    "auth.risk_class": "  风险类别 {risk}：{name}",
    "auth.chain": "  授权链：",
    "list.separator": "、",
    "reason.no_approval": "未记录{step}审批",
    "reason.wrong_role": "{by} 的审批角色为 {role}，需为以下之一：{roles}",
    "reason.bad_evidence": "{by} 的审批依据为 {evidence}，不是认可的形式（{forms}）",
    "reason.after_start": "{by} 的审批时间 {at} 晚于计划开始时间 {start}",
    "reason.out_of_order": "{by} 的审批时间 {at} 早于{previous}审批（{previous_at}）；授权链须依次审批",
    "reason.qualification": "工程师 {engineer} 的资格等级为 {held}；此步骤至少需要 {need} 级",
    "reason.no_notification": "未发送{channel}通知",
    "reason.late_notification": "{channel}通知须在开始前至少 {lead} 分钟发出（截止 {deadline}）",
    "reason.late_notification_no_lead": "{channel}通知须在开始前发出（截止 {deadline}）",
    "evidence.none": "无依据",
    "error": "错误：{summary}",
    "error.count": "（共 {count} 个问题）：",
    "error.FactError": "事实数据无效（{summary}）",
    "error.RulesetError": "规则集无效（{summary}）",
    "error.EvaluationError": "无法评估（{summary}）",
    "error.BackendUnavailable": "评估后端不可用（{summary}）",
    # pydantic error types (Chinese only: the English text is pydantic's own). Types whose
    # English names the allowed values or bounds are left untranslated rather than lose them.
    "problem.missing": "缺少必填字段",
    "problem.extra_forbidden": "未知字段",
    "problem.bool_type": "应为布尔值 true 或 false",
    "problem.int_type": "应为整数",
    "problem.int_from_float": "应为整数",
    "problem.float_type": "应为数字",
    "problem.string_type": "应为文本",
    "problem.list_type": "应为列表",
    "problem.dict_type": "应为映射（键值对）",
    "problem.model_type": "应为映射（键值对）",
    "problem.datetime_parsing": "不是有效的日期时间",
    "problem.datetime_type": "不是有效的日期时间",
    "problem.timezone_aware": "日期时间须带时区偏移（如 +08:00）",
    "problem.string_too_short": "文本过短",
    "problem.got": "（实际为 {value}）",
    "validate.ok": "通过  {file}  （{kind} {id}）",
    "language.unsupported": "不支持的语言 {lang!r}（{source}）；可选 {choices}",
}

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}

CHANNEL_NAMES: dict[str, LocalText] = {
    "email": LocalText(en="email", zh="邮件"),
    "sms": LocalText(en="sms", zh="短信"),
}


class UnsupportedLanguage(AspRulesError, ValueError):
    """A language other than those in :data:`LANGUAGES` was asked for."""


def check_language(lang: str, source: str = "lang") -> str:
    """Return ``lang`` if it is supported; otherwise raise :class:`UnsupportedLanguage`."""
    if lang in CATALOGS:
        return lang
    raise UnsupportedLanguage(EN["language.unsupported"].format(lang=lang, source=source, choices=", ".join(LANGUAGES)))


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``ASPRULES_LANG`` if set (and supported), else English."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "").strip()
    return check_language(value, ENV_VAR) if value else DEFAULT_LANGUAGE


def text(key: str, lang: str, **args: object) -> str:
    """The catalog entry ``key`` in ``lang``, formatted with ``args``."""
    return CATALOGS[check_language(lang)][key].format(**args)


def name(value: LocalText | None, lang: str) -> str:
    """A ruleset's own name for something: ``en (zh)`` in English, the Chinese name in Chinese.

    A name without a Chinese form stays English in both: the ruleset is the only source
    of domain terms, and a machine translation of 一级重大故障 would be worse than none.
    """
    if value is None:
        return ""
    if check_language(lang) == "zh":
        return value.zh or value.en
    return f"{value.en} ({value.zh})" if value.zh else value.en


Arg = Union[str, LocalText]


class Message(BaseModel):
    """A catalog key with its arguments; rendered in any language on demand.

    Arguments that are names (steps, channels) are :class:`LocalText` so each language
    shows its own word: ``no technical approval recorded`` / ``未记录技术授权审批``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str
    args: tuple[tuple[str, Arg], ...] = ()

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        lang = check_language(lang)
        shown = {k: (_plain(v, lang) if isinstance(v, LocalText) else v) for k, v in self.args}
        return CATALOGS[lang][self.key].format(**shown)


def _plain(value: LocalText, lang: str) -> str:
    return (value.zh or value.en) if lang == "zh" else value.en


class Note(NamedTuple):
    """A message and its English text, as decisions store them."""

    message: Message
    english: str


def note(key: str, **args: Arg) -> Note:
    """The catalog message ``key`` with ``args``, and its English text."""
    plain = tuple((k, v if isinstance(v, str) else (v.en, v.zh)) for k, v in args.items())
    return _note(key, plain)


# Notes are built for every unsatisfied step of every decision, and the same few recur
# (the same step missing, the same role refused), so each is made once. The cache is
# keyed on plain strings because hashing pydantic models is slow; the key is checked
# here and the arguments come from validated facts and rulesets, so pydantic's
# validation is skipped.
@lru_cache(maxsize=4096)
def _note(key: str, plain: tuple[tuple[str, str | tuple[str, str | None]], ...]) -> Note:
    if key not in EN:
        raise KeyError(f"no message {key!r} in the catalog")
    args = tuple((k, v if isinstance(v, str) else LocalText(en=v[0], zh=v[1])) for k, v in plain)
    msg = Message.model_construct(key=key, args=args)
    return Note(msg, msg.render("en"))


def problem_text(problem: Problem, lang: str) -> str:
    """One problem as ``file:line:col: field: message``, its message translated when known."""
    key = f"problem.{problem.code}" if problem.code else None
    if check_language(lang) == "en" or key not in ZH:
        return str(problem)
    field = f" {problem.field}:" if problem.path else ""
    shown = ZH[key]
    got = problem.message.rfind(" (got ")
    if got >= 0:  # keep the offending value pydantic reported; it is not English
        shown += ZH["problem.got"].format(value=problem.message[got + len(" (got ") : -1])
    return f"{problem.location}:{field} {shown}"


def error_text(exc: AspRulesError, lang: str) -> str:
    """The whole error as the command line prints it."""
    kind = f"error.{type(exc).__name__}"
    catalog = CATALOGS[check_language(lang)]
    summary = catalog.get(kind, "{summary}").format(summary=exc.summary)
    lines = [text("error", lang, summary=summary)]
    if exc.problems:
        count = len(exc.problems)
        lines[0] += text("error.count", lang, count=count, plural="" if count == 1 else "s")
        lines += [f"  {problem_text(p, lang)}" for p in exc.problems]
    return "\n".join(lines)
