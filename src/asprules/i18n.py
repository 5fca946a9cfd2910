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
import re
from functools import lru_cache
from typing import Annotated, Iterable, Mapping, NamedTuple, Union

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
    "reason.quorum": "needs {need} distinct approvers, has {have}: {who}",
    "reason.quorum_none": "needs {need} distinct approvers, has none",
    "reason.self_requested": "{by} requested the change and cannot approve it",
    "reason.self_engineer": "{by} performs the operation and cannot approve it",
    "reason.other_step": "{by} also approves the {other} step and cannot approve this one",
    "reason.no_requester": "the operation names no requester, so approvals cannot be shown to come from someone else",
    "reason.not_yet": "approval by {by} at {at} is after the evaluation time {now}",
    "reason.stale": "approval by {by} at {at} expired at {expired} (valid for {valid})",
    "reason.retro_overdue": "the retrospective approval was due by {due} and is overdue",
    "reason.no_notification_any": "no notification sent by any of {channels}",
    "reason.late_notification_any": "a notification by one of {channels} must go out by {deadline}",
    "reason.no_notification_to": "no {channel} notification sent to a {role}",
    "reason.no_notification_any_to": "no notification by any of {channels} sent to a {role}",
    "auth.obligations": "  obligations:",
    "auth.warnings": "  ignored records:",
    "auth.evaluated_at": "  evaluated at {at}",
    "violation.local_time": "the operation runs {start} to {end} local time ({zone})",
    "violation.in_period": "in period {period!r} of {source} ({start} to {end}); the operation runs {op_start} to {op_end} local time ({zone})",
    "evidence.none": "no evidence",
    "obligations": "  obligations:",
    "why_not.head": "  why not more severe:",
    "why_not.none": "  why not more severe: no row of the deciding table is more severe",
    "why_not.row": "{level} row {row} ({cite}): {failed}",
    "why_not.compare": "{field} {value} {op} {operand}",
    "why_not.absent": "{field} is absent",
    "why_not.present": "{field} is present ({value})",
    "why_not.not_held": "{condition} does not hold",
    "why_not.none_of": "none holds: {failures}",
    "why_not.matched": "matched: {what}",
    "why_not.held": "{condition} holds",
    "why_not.in_period": "{what} meets sensitive period {period} ({start} – {end}, {zone})",
    "why_not.outside_window": "{start} – {end} ({zone}) is not wholly inside the maintenance window {window}",
    "why_not.local_time_in": "{field} at {local} local time ({zone}) is within {within}",
    "why_not.local_time": "{field} at {local} local time ({zone}) is outside {within}",
    # errors and command-line output
    "error": "error: {summary}",
    "error.count": " ({count} problem{plural}):",
    "error.FactError": "{summary}",
    "error.RulesetError": "{summary}",
    "error.EvaluationError": "{summary}",
    "error.BackendUnavailable": "{summary}",
    "validate.ok": "ok  {file}  ({kind} {id})",
    "report.clean": "clean",
    "report.count": "{count} {severity}{plural}",
    "report.passed": " ({count} passed)",
    "report.summary": "{suite}: {counts}",
    "report.separator": ", ",
    "severity.error": "error",
    "severity.warning": "warning",
    "severity.info": "info",
    "test.differ": "{name}: {keys} differ",
    "test.key": "  {field}:",
    "test.expected": "    expected: {value}",
    "test.actual": "    actual:   {value}",
    "test.trace": "  trace:",
    "test.error": "  error: {error}",
    "test.below_coverage": "coverage {lowest}% is below --min-coverage {minimum}%",
    "coverage.line": "coverage {ruleset}: {percent}% ({kinds})",
    "coverage.missed": "    not exercised: {rules}",
    "diff.regions": "{count} changed region{plural}",
    "diff.corpus": "corpus: {changed} of {total} decisions change",
    "diff.note": "note: {note}",
    "direction.lower": "lower",
    "direction.raise": "raise",
    "direction.more permissive": "more permissive",
    "direction.more restrictive": "more restrictive",
    "direction.changed": "changed",
    "hint": "  hint: {hint}",
    "hint.rete_missing.python": (
        "install the rete extra: pip install 'asprules[rete]' (durable-rules builds from source with a C compiler,"
        " on CPython 3.11 and 3.12 only); or decide with backend='compiled' (the default), which gives the same decisions"
    ),
    "hint.rete_missing.cli": (
        "install the rete extra: pip install 'asprules[rete]' (durable-rules builds from source with a C compiler,"
        " on CPython 3.11 and 3.12 only); or run with --backend compiled (the default), which gives the same decisions"
    ),
    "hint.use_compiled.python": "decide with backend='compiled' (the default)",
    "hint.use_compiled.cli": "run with --backend compiled (the default)",
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
    "reason.quorum": "需要 {need} 位不同的审批人，现有 {have} 位：{who}",
    "reason.quorum_none": "需要 {need} 位不同的审批人，现无",
    "reason.self_requested": "{by} 是变更申请人，不能审批该变更",
    "reason.self_engineer": "{by} 是操作执行人，不能审批该操作",
    "reason.other_step": "{by} 已审批{other}步骤，不能再审批此步骤",
    "reason.no_requester": "操作未写明申请人，无法证明审批来自他人",
    "reason.not_yet": "{by} 的审批时间 {at} 晚于评估时间 {now}",
    "reason.stale": "{by} 于 {at} 的审批已于 {expired} 过期（有效期 {valid}）",
    "reason.retro_overdue": "补批截止时间为 {due}，已逾期",
    "reason.no_notification_any": "未通过 {channels} 中任何一种方式发送通知",
    "reason.late_notification_any": "须在 {deadline} 前通过 {channels} 之一发出通知",
    "reason.no_notification_to": "未向{role}发送{channel}通知",
    "reason.no_notification_any_to": "未通过 {channels} 中任何一种方式通知{role}",
    "auth.obligations": "  后续义务：",
    "auth.warnings": "  已忽略的记录：",
    "auth.evaluated_at": "  评估时间 {at}",
    "violation.local_time": "操作时间为当地时间 {start} 至 {end}（{zone}）",
    "violation.in_period": "处于{source}的时段 {period!r}（{start} 至 {end}）；操作时间为当地时间 {op_start} 至 {op_end}（{zone}）",
    "evidence.none": "无依据",
    "obligations": "  后续义务：",
    "why_not.head": "  为何未定为更高级别：",
    "why_not.none": "  为何未定为更高级别：定级表中没有更严重的规则",
    "why_not.row": "{level} 定级规则 {row}（{cite}）：{failed}",
    "why_not.compare": "{field} {value} {op} {operand}",
    "why_not.absent": "{field} 缺失",
    "why_not.present": "{field} 有值（{value}）",
    "why_not.not_held": "{condition} 不成立",
    "why_not.none_of": "均不成立：{failures}",
    "why_not.matched": "命中：{what}",
    "why_not.held": "{condition} 成立",
    "why_not.in_period": "{what} 与敏感期 {period}（{start} – {end}，{zone}）重叠",
    "why_not.outside_window": "{start} – {end}（{zone}）不完全在维护窗口 {window} 内",
    "why_not.local_time_in": "{field} 当地时间 {local}（{zone}）在 {within} 内",
    "why_not.local_time": "{field} 当地时间 {local}（{zone}）不在 {within} 内",
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
    # types whose English names the allowed values or bounds: the Chinese keeps the English beside it
    "problem.literal_error": "取值不在允许范围内（{english}）",
    "problem.enum": "取值不在允许范围内（{english}）",
    "problem.greater_than": "数值过小（{english}）",
    "problem.greater_than_equal": "数值过小（{english}）",
    "problem.less_than": "数值过大（{english}）",
    "problem.less_than_equal": "数值过大（{english}）",
    "problem.string_pattern_mismatch": "格式不符（{english}）",
    "problem.too_short": "项数过少（{english}）",
    "problem.too_long": "项数过多（{english}）",
    "problem.value_error": "取值无效（{english}）",
    "problem.union_tag_invalid": "类型标记无效（{english}）",
    "problem.condition_shape": "不是有效的条件（{english}）",
    "problem.wrong_kind": "这看起来是{other}，而不是{what}：请用 `asprules {command}`（asprules.{command}）处理",
    "summary.invalid_fact": "{what}{ident}",
    "validate.ok": "通过  {file}  （{kind} {id}）",
    "report.clean": "无问题",
    "report.count": "{count} 个{severity}",
    "report.passed": "（{count} 项通过）",
    "report.summary": "{suite}：{counts}",
    "report.separator": "、",
    "severity.error": "错误",
    "severity.warning": "警告",
    "severity.info": "提示",
    "test.differ": "{name}：{keys} 与预期不符",
    "test.key": "  {field}：",
    "test.expected": "    预期：{value}",
    "test.actual": "    实际：{value}",
    "test.trace": "  推理过程：",
    "test.error": "  错误：{error}",
    "test.below_coverage": "覆盖率 {lowest}% 低于 --min-coverage {minimum}%",
    "coverage.line": "覆盖率 {ruleset}：{percent}%（{kinds}）",
    "coverage.missed": "    未覆盖：{rules}",
    "diff.regions": "{count} 个输入区域的决策有变化",
    "diff.corpus": "样本：{total} 个决策中有 {changed} 个变化",
    "diff.note": "注意：{note}",
    "direction.lower": "降低",
    "direction.raise": "升高",
    "direction.more permissive": "更宽松",
    "direction.more restrictive": "更严格",
    "direction.changed": "有变化",
    "hint": "  提示：{hint}",
    "hint.rete_missing.python": (
        "安装 rete 扩展：pip install 'asprules[rete]'（durable-rules 需用 C 编译器从源码构建，仅支持 CPython 3.11 和 3.12）；"
        "或使用 backend='compiled'（默认），其决策完全相同"
    ),
    "hint.rete_missing.cli": (
        "安装 rete 扩展：pip install 'asprules[rete]'（durable-rules 需用 C 编译器从源码构建，仅支持 CPython 3.11 和 3.12）；"
        "或使用 --backend compiled（默认）运行，其决策完全相同"
    ),
    "hint.use_compiled.python": "使用 backend='compiled'（默认）",
    "hint.use_compiled.cli": "使用 --backend compiled（默认）运行",
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


# Characters that would let a value from a ticket rewrite the report it is printed in:
# C0 and C1 controls (newlines, carriage returns, ANSI escape sequences), Unicode line and
# paragraph separators and the bidirectional overrides and isolates (which reorder text).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(value: str) -> str:
    """``value`` with every character that could forge or reorder output lines escaped
    (``\\n``, ``\\x1b``, ``\\u202e``); text output shows values from facts through here."""
    if not _UNPRINTABLE.search(value):
        return value
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


def _shown(value: object) -> object:
    return printable(value) if isinstance(value, str) else value


def text(key: str, lang: str, **args: object) -> str:
    """The catalog entry ``key`` in ``lang``, formatted with ``args`` (made printable)."""
    return CATALOGS[check_language(lang)][key].format(**{k: _shown(v) for k, v in args.items()})


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
        shown = {k: printable(_plain(v, lang) if isinstance(v, LocalText) else v) for k, v in self.args}
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


class Said(NamedTuple):
    """A message of ours: its catalog key, the values it was made with, its English text."""

    key: str
    params: tuple[tuple[str, str], ...]
    english: str

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return CATALOGS[check_language(lang)][self.key].format(**dict(self.params))


def said(key: str, **params: object) -> Said:
    """The catalog message ``key`` made with ``params`` (kept as text, so the message can be
    rendered again in any language from the same values), and its English text."""
    plain = tuple((k, printable(v) if isinstance(v, str) else str(v)) for k, v in params.items())
    return Said(key, plain, EN[key].format(**dict(plain)))


def problem(key: str, path: tuple[str | int, ...] = (), *, file: str | None = None, line: int | None = None, column: int | None = None, **params: object) -> Problem:
    """A :class:`Problem` whose message is the catalog entry ``problem.<key>``; its ``code``
    is ``key``, so :func:`problem_text` renders it in any language."""
    message = said(f"problem.{key}", **params)
    return Problem(message.english, path=path, file=file, line=line, column=column, code=key, params=message.params)


def error(kind: type[AspRulesError], key: str, problems: Iterable[Problem] = (), **params: object) -> AspRulesError:
    """An error of ``kind`` whose summary is the catalog entry ``summary.<key>``."""
    summary = said(f"summary.{key}", **params)
    return kind(summary.english, problems, code=key, params=summary.params)


class LocalValueError(ValueError):
    """A ``ValueError`` whose text is the catalog entry ``problem.<key>``: raised by
    validators (pydantic keeps the exception, :func:`~asprules.source.problems_from_validation`
    takes the key) and by the clock and calendar parsers, whose messages become problems."""

    def __init__(self, key: str, **params: object):
        self.said = said(f"problem.{key}", **params)
        self.key = key
        super().__init__(self.said.english)

    def problem(self, path: tuple[str | int, ...] = (), **where: object) -> Problem:
        return Problem(self.said.english, path=path, code=self.key, params=self.said.params, **where)  # type: ignore[arg-type]


def problem_of(exc: BaseException, path: tuple[str | int, ...] = (), **where: object) -> Problem:
    """The problem an exception from a parser describes: translatable when it is a
    :class:`LocalValueError`, its English text otherwise."""
    if isinstance(exc, LocalValueError):
        return exc.problem(path, **where)
    return Problem(str(exc), path=path, **where)  # type: ignore[arg-type]


def message_text(message: str, code: str | None, params: tuple[tuple[str, str], ...], lang: str) -> str:
    """A message with its code: the catalog's text in ``lang`` when the code is ours,
    else the message as it is."""
    catalog = CATALOGS[check_language(lang)]
    key = f"problem.{code}"
    if code and key in EN and key in catalog:
        return catalog[key].format(**dict(params))
    return message


def problem_text(problem: Problem, lang: str) -> str:
    """One problem as ``file:line:col: field: message``, its message translated when known."""
    key = f"problem.{problem.code}" if problem.code else None
    if check_language(lang) == "en" or key not in ZH:
        return str(problem)
    if key in EN:  # a message of ours: rendered again from the values it was made with
        shown = ZH[key].format(**dict(problem.params))
    else:  # pydantic's: the Chinese for its error type, with the values of its context
        shown = ZH[key].format(english=problem.message, **dict(problem.params))
    got = problem.message.rfind(" (got ")
    if got >= 0 and key not in EN and "{english}" not in ZH[key]:  # keep the offending value pydantic reported; it is not English
        shown += ZH["problem.got"].format(value=problem.message[got + len(" (got ") : -1])
    if not problem.location:
        return f"{problem.field}: {shown}" if problem.path else shown
    field = f" {problem.field}:" if problem.path else ""
    return f"{problem.location}:{field} {shown}"


FACES = ("python", "cli")


def hints(key: str) -> dict:
    """``hints=`` and ``hint_key=`` for :class:`~asprules.errors.BackendUnavailable`: what
    to do instead, in English, worded for Python and for the command line."""
    return {"hints": {face: EN[f"{key}.{face}"] for face in FACES}, "hint_key": key}


def error_text(exc: AspRulesError, lang: str, face: str = "cli") -> str:
    """The whole error as the command line prints it (``face="python"``: with hints
    worded for Python)."""
    kind = f"error.{type(exc).__name__}"
    catalog = CATALOGS[check_language(lang)]
    code = getattr(exc, "code", None)
    said = catalog[f"summary.{code}"].format(**dict(exc.params)) if code and f"summary.{code}" in catalog else exc.summary  # type: ignore[attr-defined]
    summary = catalog.get(kind, "{summary}").format(summary=said)
    lines = [text("error", lang, summary=summary)]
    if exc.problems:
        count = len(exc.problems)
        lines[0] += text("error.count", lang, count=count, plural="" if count == 1 else "s")
        lines += [f"  {problem_text(p, lang)}" for p in exc.problems]
    hint_key = getattr(exc, "hint_key", None)
    if hint_key:
        lines.append(catalog["hint"].format(hint=catalog[f"{hint_key}.{face}"]))
    elif getattr(exc, "hints", None):
        lines.append(catalog["hint"].format(hint=exc.hint(face)))  # type: ignore[attr-defined]
    return "\n".join(lines)
