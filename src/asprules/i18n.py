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
from typing import Callable, Iterable, Mapping, Protocol

from .errors import AspRulesError, Problem

# The texts that are pydantic models (LocalText, Message, notes) are in
# :mod:`asprules.localtext`: the catalogs, error texts and language options here need no
# pydantic, so `asprules --help` and an argument error start without it (tests/test_startup.py).


class _Named(Protocol):
    """What :func:`name` reads of a :class:`~asprules.localtext.LocalText`."""

    en: str
    zh: str | None


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
    "diff.replay_per_record": "{file} replayed per record, not on the columnar backend: {reason}",
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
    # format/validate: reference and well-formedness problems
    'problem.duplicate_id': 'duplicate id {ident!r} (first defined at line {line})',
    'problem.derived_shadows': 'derived value {name!r} shadows a fact field',
    'problem.boolean_operand': 'operands are numbers or field names, not booleans',
    'problem.unknown_field': 'unknown field {name!r}{hint}',
    'problem.did_you_mean': ' (did you mean {name!r}?)',
    'problem.not_a_number_field': 'field {name!r} is {kind}, not a number',
    'problem.division_by_zero': 'division by zero',
    'problem.derived_cycle': 'derived values form a cycle through {name!r}: {cycle}',
    'problem.empty_approval_list': '{key}: [] lets no approval qualify, so this condition never holds; leave {key} out to accept any {what}',
    'problem.not_an_instant_field': 'field {name!r} is {kind}, not a date-time',
    'problem.has_approval_outside': 'has_approval is only meaningful in an authorization ruleset',
    'problem.undefined_step': 'undefined step {step!r}; defined: {defined}',
    'problem.undefined_role': 'undefined role {role!r}; defined: {defined}',
    'problem.unknown_evidence_form': 'evidence form {form!r} is not in the fact schema ({forms})',
    'problem.contains_any_needs_list': 'contains_any needs a list field; {name!r} is {kind}',
    'problem.list_needs_contains_any': '{name!r} is a list; compare it with contains_any',
    'problem.ordering_needs_number': '{op} needs a number field; {name!r} is {kind}',
    'problem.empty_between': 'between [{low}, {high}] is empty: low bound above high bound',
    'problem.not_a_value_of': '{value} cannot be a value of {name!r} ({type})',
    'problem.not_a_member': '{value} is not one of {values}',
    'problem.no_levels': 'a grading ruleset declares levels (at least two), or outputs',
    'problem.one_level': 'declare at least two levels (or none, when the ruleset declares outputs)',
    'problem.no_major_level': 'no level is a major fault (major: true)',
    'problem.undefined_level': 'undefined level {level!r}; defined: {defined}',
    'problem.unknown_from': "{why}; or 'graded': the moment of grading",
    'problem.not_a_time_field': 'field {name!r} is {kind}, not a time',
    'problem.cap_below_floor': 'cap {cap!r} is less severe than floor {floor!r}',
    'problem.value_not_text': '{value} is not text',
    'problem.value_not_number': '{value} is not a number',
    'problem.value_not_boolean': '{value} is not a boolean',
    'problem.value_not_list': '{value} is not a list',
    'problem.value_not_allowed': '{value} is not one of the allowed values {allowed}',
    'problem.output_named_level': "output id 'level' is taken: a chained decision reads the level as ID.level",
    'problem.allowed_of_type': '{why} (output {output!r} is {type})',
    'problem.bad_output_default': 'default of output {output!r}: {why}',
    'problem.undeclared_output': 'undeclared output {name!r}; declared: {declared}',
    'problem.undeclared_output_none': 'undeclared output {name!r}; declared: none (declare them under outputs)',
    'problem.bad_output_value': 'output {name!r} ({type}): {why}',
    'problem.outputs_table_key': "a ruleset without levels gives outputs only: a table has no {key} (declare the output's default)",
    'problem.outputs_row_key': 'a ruleset without levels gives outputs only: a row has no {key}',
    'problem.row_without_output': 'every row gives at least one output',
    'problem.aggregator_without_collect': 'an aggregator goes with hit policy collect, not {policy}',
    'problem.policy_needs_allowed': 'hit policy {policy} ranks by the allowed values of the first output ({output!r}), which declares none',
    'problem.list_policy_with_levels': 'hit policy {policy} returns lists of outputs: only in a ruleset without levels',
    'problem.collect_needs_aggregator': 'hit policy collect needs an aggregator: max, min, sum or count',
    'problem.sum_row_needs_score': 'under collect sum every row gives a score (and no level)',
    'problem.sum_row_has_level': 'under collect sum a row gives a score, not a level: the bands give the level',
    'problem.count_row_key': 'under collect count a row gives no {key}: matching rows are counted and the bands give the level',
    'problem.row_needs_level': 'under hit policy {policy} every row gives a level',
    'problem.score_without_sum': 'a score goes with collect sum only',
    'problem.banded_default': 'under collect {aggregator} the bands give the level; a default is never used',
    'problem.banded_needs_bands': 'under collect {aggregator} the table needs bands: levels for ranges of the total',
    'problem.table_needs_default': 'under hit policy {policy} the table needs a default: the level when no row matches',
    'problem.bands_without_collect': 'bands go with collect sum or count only',
    'problem.band_gap_below': 'gap: totals from {low} up to {min} fall in no band (the lowest band starts at {min})',
    'problem.bands_overlap': 'bands {a} and {b} overlap: both start at {min}',
    'problem.bands_overlap_unbounded': 'bands {a} and {b} overlap: both start at no lower bound',
    'problem.band_gap_between': 'gap: band {a} ends below {below} but the next band starts at {min}; totals from {below} up to {min} fall in no band',
    'problem.band_overlap_between': 'overlap: band {a} ends below {below} but the next band starts at {min}',
    'problem.band_gap_above': 'gap: totals from {below} up to {high} fall in no band (the highest band ends below {below})',
    'problem.empty_band': 'band {band} is empty: below {below} is not above min {min}',
    'problem.separated_from_itself': 'a step cannot be separated from itself; use quorum for distinct approvers',
    'problem.unknown_channel': 'channel {channel!r} is not one of {channels}',
    'problem.undefined_risk_class': 'undefined risk class {risk!r}',
    'problem.catch_all_not_last': 'risk class {risk!r} has no condition, so the classes after it can never match',
    'problem.step_twice': 'step {step!r} appears twice in the chain',
    'problem.retro_not_in_chain': 'step {step!r} is not in the chain of risk class {risk!r}',
    'problem.retro_without_approval': 'step {step!r} requires no approval, so it cannot be approved retrospectively',
    'problem.no_catch_all': 'the last risk class must have no condition (the catch-all), so that no operation goes unclassified',
    'problem.record_field': '{name!r} is a record; a condition names one of its fields ({fields})',
    'problem.list_of_records_field': '{name!r} is a list of records; no condition compares it (has_approval reads approvals)',
    'problem.not_a_ruleset_mapping': 'a ruleset file is a mapping with asprules, kind and id at the top',
    'problem.bad_cite_pattern': 'cite_pattern is not a regular expression: {error}',
    'problem.cite_off_pattern': "cite {cite} does not follow this file's cite_pattern {pattern!r}",
    'problem.schema_lacks': '{need} (fact schema {schema!r}, {where})',
    'problem.customer_not_record': '{use} reads customer.timezone, but customer is {type}, not a record',
    'problem.customer_part': '{use} reads customer.{name}: it must be an optional {kind}',
    'problem.customer_part_with_format': '{use} reads customer.{name}: it must be an optional {kind} with format {format}',
    'problem.customer_periods_shape': 'customer.sensitive_periods must be records of {fields}',
    'problem.needs_scheduled_start': 'an authorization decides approvals against scheduled_start: declare it a required instant',
    'problem.needs_approvals_list': 'approval steps read approvals, which must be a list of records with step: text, role: text, at: instant',
    'problem.needs_approvals_fields': 'approval steps read approvals, which must be a list of records with {fields}',
    'problem.needs_approver_by': 'a quorum or separation of duties counts approvers: approvals need a text field by',
    'problem.needs_archive_ref': "an archive requirement reads approvals' archive_ref: declare it an optional text",
    'problem.needs_requester': 'separation from the requester reads requester: declare it a text field',
    'problem.needs_engineer_id': 'separation from the engineer reads engineer.id: declare engineer a record with an id',
    'problem.needs_confirmations': 'obligations are met by confirmations: declare a list of records with obligation: text, at: instant',
    'problem.needs_notifications_list': 'notification steps read notifications, which must be a list of records with channel: enum, at: instant',
    'problem.needs_notifications_fields': 'notification steps read notifications, which must be a list of records with {fields}',
    'problem.needs_qualification': 'qualification steps read engineer.qualification: declare engineer a required record with a required integer qualification',
    # clock and calendars: times, windows, zones, durations, periods
    'problem.out_of_range': '{instant} is outside the supported range 0002-01-01 to 9998-12-31 (UTC)',
    'problem.window_not_text': "a window is text like '00:00-05:00', got {value}",
    'problem.window_form': 'window {window!r} is not of the form HH:MM-HH:MM',
    'problem.window_impossible_time': 'window {window!r} has an impossible time {time}',
    'problem.window_zero': 'window {window!r} has zero length',
    'problem.unknown_zone_name': 'unknown IANA time zone {zone!r}: give a region name such as Asia/Shanghai, Europe/Berlin or UTC',
    'problem.unknown_zone': 'unknown IANA time zone {zone!r}',
    'problem.duration_not_text': "a duration is text with a unit, like '72h' or '14d', got {value}",
    'problem.duration_no_unit': "duration {duration!r} has no unit: write it like '{number}h' or '{number}d' (units m, h, d, w)",
    'problem.duration_form': "duration {duration!r} is not a positive number with a unit m, h, d or w (like '72h' or '14d')",
    'problem.duration_zero': 'duration {duration!r} is zero',
    'problem.not_month_day': "{value} is not a month and day MM-DD (like '12-15')",
    'problem.not_a_day': '{value} is not a day of any year',
    'problem.not_week_time': "{value} is not a weekday and time like 'Friday 16:00'",
    'problem.week_time_impossible': '{value} has an impossible time {time}',
    'problem.no_offset': '{instant} has no UTC offset',
    'problem.not_date_or_instant': '{value} is not a date (YYYY-MM-DD) or a date-time with offset',
    'problem.not_date_or_datetime': '{value} is not a date or a date-time',
    'problem.period_out_of_range': 'period {period!r} runs past the supported range 0002-01-01 to 9998-12-31',
    'problem.period_reversed': 'period {period!r} ends before it starts',
    # format/document and fact models: what a validator refuses
    'problem.one_operator': 'a comparison takes exactly one operator, got {given}',
    'problem.no_operator': 'a comparison needs one operator: {operators}',
    'problem.operator_null': 'operator {op} needs a value, got null',
    'problem.instant_or_span': 'give either field (an instant) or start and end (a span)',
    'problem.assumed_needs_basis': "provenance 'assumed' needs a one-line basis",
    'problem.not_a_duration': 'not a duration: {value}',
    'problem.deadline_no_unit': "a deadline needs a unit: write {value} as e.g. '{number}h' (units: m, h, d)",
    'problem.deadline_form': "not a duration: {value}; write a number and a unit, e.g. '30m', '4h', '2d'",
    'problem.deadline_too_long': 'duration {value} is longer than a year',
    'problem.within_or_by': 'an obligation has within or by, not both',
    'problem.derived_one_operation': 'a derived value is exactly one of add, sub, mul, div, min, max',
    'problem.two_operands': '{op} takes at least two operands',
    'problem.raise_or_lower': 'an adjustment has exactly one of raise or lower',
    'problem.empty_step': 'a step requires at least one of approval, notification, qualification',
    'problem.instant_text': 'a date-time is ISO 8601 text with an offset, like 2026-11-18T14:00:00+08:00; got {value}',
    'problem.instant_type': 'a date-time is ISO 8601 text with an offset, like 2026-11-18T14:00:00+08:00, not a {kind}',
    'problem.end_before_start': 'end must be after start',
    'problem.scheduled_end_before_start': 'scheduled_end must be after scheduled_start',
    'problem.before_started_at': '{name} is before started_at',
    'problem.outage_unknown': 'outage unknown: give outage_minutes, recovered_at or as_of',
    'problem.outage_disagrees_recovered': 'outage_minutes {outage} disagrees with started_at and recovered_at: it must be the time to recovery ({elapsed} minutes)',
    'problem.outage_disagrees_as_of': 'outage_minutes {outage} disagrees with started_at and as_of: it must be at most the time to as_of ({elapsed} minutes)',
    'problem.not_a_mapping': 'expected a mapping of fields, got {kind}',
    'problem.larger_than': 'larger than {limit} bytes',
    'problem.not_utf8': 'not UTF-8 text ({reason} at byte {at})',
    'summary.input_too_large': '{file}: input too large',
    'summary.cannot_read': '{file}: cannot read',
    'problem.unknown_type': 'unknown type {type!r}{hint}; one of {types}',
    'problem.enum_needs_values': 'an enum needs values (its members)',
    'problem.list_needs_values': 'a list needs values (its members)',
    'problem.enum_repeats': 'enum members repeat',
    'problem.values_misplaced': 'values belong to an enum or a list of enum, not to {type}',
    'problem.record_needs_fields': 'a record needs fields',
    'problem.records_need_fields': 'a list of records needs fields',
    'problem.fields_misplaced': 'fields belong to a record or a list of records, not to {type}',
    'problem.values_and_fields': 'a list holds enum members (values) or records (fields), not both',
    'problem.bound_misplaced': '{key} bounds a number, integer or duration, not {type}',
    'problem.bounds_reversed': 'bounds reversed: min {min} is above max {max}',
    'problem.integer_bound': "an integer's {key} must be a whole number, not {bound}",
    'problem.max_length_misplaced': 'max_length limits a text or a list, not {type}',
    'problem.default_misplaced': 'only a bool takes a default, not {type}',
    'problem.format_misplaced': 'format checks a text, not {type}',
    'problem.checks_misplaced': 'checks apply to a record, not to {type}',
    'problem.check_reads_undeclared': 'check {check!r} reads {fields}, which the schema does not declare',
    'problem.schema_id_taken': 'fact schema id {id!r} is also declared by {first}',
    'problem.the_bundled_schemas': 'the bundled schemas',
    'problem.the_schema': 'the schema',
    'problem.extends_cycle': 'fact schemas extend one another in a cycle through {id!r}',
    'problem.extends_unknown': 'extends unknown fact schema {id!r}; known: {known}',
    'summary.invalid_fact_schema': 'invalid fact schema: {files}',
    'summary.invalid_fact_schemas': 'invalid fact schemas: {files}',
    'problem.change_without_extends': "{key} changes an extended schema's fields; this schema extends none",
    'problem.schema_has_no_field': '{schema} has no field {field!r}',
    'problem.check_loses_fields': 'check {check!r} of {schema} reads {fields}; keep them or redeclare the schema without extends',
    'problem.schema_needs_id': "a fact schema needs a required text field 'id' (every decision names its fact)",
    'problem.not_iso_duration': 'not an ISO 8601 duration (PnDTnHnMnS): {value}',
    'problem.format_version': 'the format version is the integer {version}, got {value}',
    'problem.not_yaml_integer': '{value} is not a YAML 1.2 integer',
    'problem.not_yaml_float': '{value} is not a YAML 1.2 float',
    'summary.no_rule_files_in': '{path}: no rule files',
    'problem.directory_without_rules': 'the directory holds no .yaml rule files',
    'summary.not_found': '{path}: not found',
    'problem.no_such_file': 'no such file or directory',
    'problem.unknown_fact_schema': 'unknown fact schema {id!r}; known: {known}',
    'summary.invalid_ruleset': 'invalid ruleset: {files}',
    'summary.invalid_rulesets': 'invalid rulesets: {files}',
    'problem.requires_unloaded': 'requires decision {dep!r}, which is not loaded; loaded grading rulesets: {loaded}',
    'problem.requires_unloaded_none': 'requires decision {dep!r}, which is not loaded; loaded grading rulesets: none',
    'problem.requires_cycle': 'decisions require one another in a cycle: {chain}',
    'problem.ruleset_id_taken': 'ruleset id {id!r} is also used by {first}',
    'problem.calendar_not_loaded': 'calendar {calendar!r} is not among the loaded files',
    'problem.customer_twice_here': 'customer {customer!r} is registered twice (also in this file)',
    'problem.customer_twice': 'customer {customer!r} is registered twice (also in {first})',
    'problem.second_ruleset': 'a second {kind} ruleset (first: {first}); load them separately',
    'summary.no_rule_files': 'no rule files',
    'problem.no_rule_files_given': 'no rule files were given',
    # source: reading and parsing files
    'problem.yaml_alias': 'YAML anchors and aliases are not allowed in asprules files',
    'problem.too_deep': 'nested deeper than {limit} levels',
    'problem.too_many_nodes': 'more than {limit} YAML nodes (keys, values and items)',
    'summary.file_too_large': '{file}: file too large',
    'summary.cannot_parse': '{file}: cannot parse',
    'problem.yaml_syntax': '{detail}',
    'problem.not_unicode': 'not valid Unicode text ({reason} at {at})',
    'problem.nested_too_deeply': 'nested too deeply',
    'problem.yaml_merge_key': 'YAML merge keys (<<) are not allowed',
    'problem.key_not_text': 'mapping keys must be text, got {key}',
    'problem.duplicate_key': 'duplicate key {key}',
    'problem.number_too_long': 'number {number}… is longer than {limit} characters',
    'problem.bad_scalar': 'bad scalar {value}: not a valid {kind}',
    'problem.bad_scalar_because': 'bad scalar {value}: not a valid {kind}: {reason}',
    'problem.yaml_tag': 'YAML tag {tag!r} is not allowed',
    'summary.not_regular': '{file}: not a regular file',
    'problem.not_regular_file': '{what}, not a regular file',
    'problem.file_kind.directory': 'a directory',
    'problem.file_kind.fifo': 'a FIFO (named pipe)',
    'problem.file_kind.character_device': 'a character device',
    'problem.file_kind.block_device': 'a block device',
    'problem.file_kind.socket': 'a socket',
    'problem.file_kind.other': 'not a regular file',
    'problem.size_larger_than': '{size} bytes, larger than {limit} bytes',
    'problem.os_error': '{reason}',
    'summary.line_not_object': '{file}:{line}: not a JSON object',
    'problem.line_not_object': 'each line holds one JSON object (a fact), got {got}',
    'summary.line_cannot_parse': '{file}:{line}: cannot parse',
    # source: the system's reasons a file cannot be read
    'problem.os_error.ENOENT': 'No such file or directory',
    'problem.os_error.EACCES': 'Permission denied',
    'problem.os_error.EPERM': 'Operation not permitted',
    'problem.os_error.EISDIR': 'Is a directory',
    'problem.os_error.ENOTDIR': 'Not a directory',
    'problem.os_error.ELOOP': 'Too many levels of symbolic links',
    'problem.os_error.ENAMETOOLONG': 'File name too long',
    # diff: notes beside the changed regions
    'diff.bad_rows': 'corpus: {count} bad row{plural} skipped',
    'diff.more_rows': '  … and {count} more',
    'note.only_old_grading': 'grading ruleset {id!r} is only in the old rules',
    'note.only_new_grading': 'grading ruleset {id!r} is only in the new rules',
    'note.of_decision': '{decision}: {note}',
    'note.one_side_grading': 'only one side has a grading ruleset',
    'note.one_side_authorization': 'only one side has an authorization ruleset',
    'note.requires': 'a version reads other decisions (requires); compare them over a corpus (--scenarios)',
    'note.outputs_only': 'a version gives outputs only (no levels); compare them over a corpus (--scenarios)',
    'note.derived_differ': 'derived values differ between the versions; compare them over a corpus (--scenarios)',
    'note.schemas_differ': 'the versions decide on different fact schemas; compare them over a corpus (--scenarios)',
    'note.retro_added': 'risk class {risk}: step {step} may now be approved retrospectively within {within} (more permissive)',
    'note.retro_removed': 'risk class {risk}: step {step} is no longer approved retrospectively (more restrictive)',
    'note.retro_wider': 'risk class {risk}: retrospective approval of step {step} within {within}, was {was} (more permissive)',
    'note.retro_narrower': 'risk class {risk}: retrospective approval of step {step} within {within}, was {was} (more restrictive)',
    'note.obligation_added': 'obligation {id} added',
    'note.obligation_removed': 'obligation {id} removed',
    'note.calendar_added': 'calendar {id} added: compare the decisions over a corpus (--scenarios)',
    'note.calendar_removed': 'calendar {id} removed: compare the decisions over a corpus (--scenarios)',
    'note.calendar_changed': 'calendar {id} changed: compare the decisions over a corpus (--scenarios)',
    'note.registry_added': 'customer registry {id} added: compare the decisions over a corpus (--scenarios)',
    'note.registry_removed': 'customer registry {id} removed: compare the decisions over a corpus (--scenarios)',
    'note.registry_changed': 'customer registry {id} changed: compare the decisions over a corpus (--scenarios)',
    'note.unreached': '{count} authorization region{plural} of the model no operation reaches (no witness): left out',
    'note.unwitnessed': '{count} authorization band{plural} where the versions require different things but no witness operation was found: reported without one, and gated by direction',
    # diff: more directions
    'direction.added': 'added',
    'direction.removed': 'removed',
    'direction.not comparable': 'not comparable',
    # command line: init, progress, diff
    'summary.not_a_wheel': '{file}: not a wheel file',
    'problem.give_a_wheel': 'give the asprules-*.whl that pip wheel built',
    'summary.init_would_overwrite': '{target}: init would overwrite {count} file{plural}',
    'problem.already_exists': 'already exists; init never overwrites',
    'init.wrote': 'wrote {count} files under {target}/ (see {readme})',
    'init.wheels': 'CI installs asprules from wheels/: python -m pip wheel --no-deps -w wheels/ /path/to/asprules',
    'progress.analysing': 'analysing {size} KiB of rules…',
    'progress.facts': 'facts',
    'progress.corpus': 'corpus facts decided under both',
    'progress.rows': '{rows} rows graded…',
    'summary.diff_needs_two': 'diff needs OLD and NEW',
    'problem.diff_give_two': 'give two rule paths, two git revisions (REV1 REV2 [-- PATHS]), or --base BRANCH',
    'diff.gate_separator': ' and ',
    'diff.broken': '{gates}: broken by {count}:',
    'diff.undecided': '{count} corpus row{plural} could not be decided (first: {first})',
    # why-not: the failures of an any
    'why_not.separator': '; ',
    # analysis: findings and what a budget left unchecked
    'report.region': '    region: {region}',
    'report.witness': 'witness',
    'report.worse': 'worse',
    'report.less_bad': 'less bad',
    'finding.budget_exceeded': '{what} would pass the budget of {limit}',
    'finding.counted.boxes': 'boxes of one condition',
    'finding.counted.regions': 'regions of the tree',
    'finding.counted.splits': 'splits of the search for uncovered regions',
    'finding.not_checked': 'not checked exactly: {what}',
    'finding.budget_opaque_incident': '{rule}: the {exceeded}; it is modelled as an opaque condition, so findings that depend on it are reported only where a concrete incident confirms them',
    'finding.budget_opaque_operation': '{rule}: the {exceeded}; it is modelled as an opaque condition, so findings that depend on it are reported only where a concrete operation confirms them',
    'finding.budget_no_model': 'ruleset {ruleset!r}: the {exceeded}; no check of the box model was run',
    'finding.where_table_row': 'table {table!r} (splitting at row {row})',
    'finding.where_applies': 'ruleset {ruleset!r} (splitting at the applies_when of table {rule})',
    'finding.where_rule': 'ruleset {ruleset!r} (splitting at {kind} {rule})',
    'finding.where_ruleset': 'ruleset {ruleset!r}',
    'finding.budget_tree': '{where}: the {exceeded}; overlaps, masked rows, monotonicity and dead adjustments were not checked',
    'finding.budget_no_table': 'ruleset {ruleset!r}: the {exceeded}; incidents no table applies to were not searched',
    'finding.budget_default': 'table {table!r}: the {exceeded}; regions falling to its major default were not searched',
    'finding.budget_authorization': 'authorization ruleset {ruleset!r}: the {exceeded}; masked risk classes and dead constraints were not checked',
    'finding.unconfirmed': '{finding} (not confirmed on a concrete incident)',
    'finding.unconfirmed_opaque': '{finding} (not confirmed on a concrete incident: the region depends on a condition the model cannot decide)',
    'finding.no_table': 'no table applies to incidents with {region}; grading them raises an error',
    'finding.falls_to_major_default': 'table {table!r}: no row covers {region}; it falls to the default {level}, a major level',
    'finding.outputs_without_default': 'table {table!r}: no row covers {region}; outputs {outputs} have no default there (null)',
    'finding.overlap_unique': 'table {table!r} is unique but rows {a} and {b} both match {region}',
    'finding.overlap_any': 'table {table!r} has hit policy any but rows giving {gives_a} and {gives_b}: rows {a} and {b} both match {region}',
    'finding.unreachable_row': "row {row} of table {table!r} can never match: its condition is unsatisfiable (within the table's applies_when)",
    'finding.masked_row_first': 'row {row} of table {table!r} never decides: earlier rows {rows} match wherever it does',
    'finding.masked_row_priority': 'row {row} of table {table!r} never decides: more severe (priority) rows {rows} match wherever it does',
    'finding.non_monotone': 'worsening {measure} ({below} → {above}) lowers the level {low} → {high} ({a} vs {b})',
    'finding.adjustment_never_applies': 'its condition never holds for an incident at a level it applies to',
    'finding.adjustment_at_cap': 'wherever it applies the level is already at its cap {level}',
    'finding.adjustment_at_floor': 'wherever it applies the level is already at its floor {level}',
    'finding.dead_adjustment': 'adjustment {adjustment} never changes a level: {why}',
    'finding.classes_before': 'the classes before it ({classes}) match wherever it does',
    'finding.never_holds': 'its condition can never hold',
    'finding.masked_risk_class': 'risk class {risk} never classifies an operation: {why}',
    'finding.dead_constraint': 'constraint {constraint}: its condition can never hold',
    'finding.constraint_always_waived': 'constraint {constraint}: its exception (unless) holds wherever it applies, so it never denies',
    'finding.unused_step': 'step {step} is in no chain and no has_approval condition',
    'finding.seats': 'its roles ({roles}) have {have} seats',
    'finding.seats_taken': 'its roles ({roles}) have {have} seats, {taken} of them taken by the approvers it must be separated from',
    'finding.unreachable_quorum': 'step {step} needs {need} distinct approvers, but {why}: it can never be satisfied',
    'finding.unreferenced_calendar': 'calendar {calendar} is loaded but no ruleset names it in calendars:, so none of its periods applies',
    'finding.calendar_unasked': 'calendar {calendar} is referenced by {rulesets}, but no condition there asks for a sensitive period (in_sensitive_period)',
    'finding.period_inside': 'period {period!r} of calendar {calendar} lies wholly inside period {cover!r}, so it never decides anything',
    'finding.not_analysed': 'ruleset {ruleset!r} reads other decisions ({needs}): gaps, overlaps and masking are not checked for it, only for them',
    'finding.assumed': "{id}: provenance is 'assumed' (basis: {basis}); enter your organization's figure and mark it 'handbook' or 'policy'",
    # deciding: rulebooks, backends, evaluation times, registries, scenario files, schemas
    'problem.no_customer': "the fact names no customer, and the customer registry ({registry}) decides every customer's profile",
    'problem.unregistered_customer': 'customer {customer} is not in the customer registry ({registry})',
    'problem.customer_zone_changed': 'the fact changes the time zone of registered customer {customer} from {registered} to {given}',
    'problem.customer_window_widened': 'the fact widens the maintenance window of registered customer {customer} from {registered} to {given}',
    'summary.customer_refused': 'customer refused',
    'summary.customer_refused_for': 'customer refused for {id}',
    'summary.unknown_backend': 'unknown backend {backend}',
    'problem.available_backends': 'available backends: {backends}',
    'summary.no_authorization': 'no authorization ruleset loaded',
    'summary.no_grading': 'no grading ruleset loaded',
    'problem.loaded_files': 'loaded files: {files}',
    'problem.loaded_no_files': 'loaded files: none',
    'summary.at_needs_offset': 'at must be a datetime with a time zone offset',
    'problem.got_value': 'got {value}',
    'summary.rete_requires': 'ruleset {ruleset!r} reads other decisions (requires: {requires})',
    'problem.rete_one_ruleset': "the rete backend grades one ruleset at a time; use backend='compiled'",
    'summary.invalid_time': 'invalid evaluation time',
    'problem.not_iso_time': '{value} is not an ISO 8601 date-time',
    'problem.time_without_offset': '{value} is not an instant with a UTC offset (e.g. 2026-12-01T10:00:00+08:00)',
    'summary.incident_number': 'incident #{index}: {summary}',
    'summary.no_grading_named': 'no grading ruleset {decision!r} loaded',
    'problem.decision_not_loaded': 'decision {decision!r} names no loaded ruleset; loaded: {loaded}',
    'problem.decision_not_loaded_none': 'decision {decision!r} names no loaded ruleset; loaded: none',
    'summary.several_gradings': 'several grading rulesets loaded ({ids}): name the decision',
    'problem.name_the_decision': 'pass decision= one of {ids} (the CLI: --decision ID)',
    'summary.unique_several': 'table {table}{place} has hit policy unique but several rows match',
    'summary.any_levels_differ': 'table {table}{place} has hit policy any but the matching rows give different levels',
    'summary.any_outputs_differ': 'table {table}{place} has hit policy any but the matching rows give different outputs',
    'problem.rows_all_match': 'rows {rows} all match incident {incident}',
    'summary.no_table_applies': 'incident {incident}: no grading table applies',
    'problem.no_applies_when': "no table's applies_when holds (tables: {tables})",
    'summary.invalid_scenario_file': '{file}: invalid scenario file',
    'summary.scenarios_no_decision': '{file}: scenarios name no loaded decision',
    'problem.scenario_decision_unloaded': 'decision {decision!r} names no loaded grading ruleset; loaded: {loaded}',
    'problem.scenario_say_decision': 'several grading rulesets are loaded ({loaded}): say decision: ID here or at the top of the file',
    'problem.rules_missing': '{name!r} ({path}) does not exist',
    'summary.scenario_rules_missing': '{file}: the rules this scenario file names are not there (relative to the file; or run with --rules)',
    'summary.no_scenario_files': '{path}: no scenario files',
    'problem.directory_without_scenarios': 'the directory holds no {suffix} files',
    'problem.scenario_say_type': 'say type: incident or type: operation (expect does not tell)',
    'summary.unknown_schema': 'unknown schema {kind!r}',
    'problem.schema_kinds': 'one of {kinds}',
    'problem.schema_kinds_needs_rules': 'one of {kinds}; a declared fact schema needs --rules',
    'summary.cannot_open_log': '{file}: cannot open the decision log',
    # command line: an internal error, a witness line
    'internal.traceback': 'asprules: internal error ({error}); this is a bug in asprules, please report it to its maintainers with the traceback above',
    'internal.debug': 'asprules: internal error ({error}); this is a bug in asprules, please report it to its maintainers with the output of the same command run with --debug',
    'report.labelled': '    {label}: {value}',
    # the decision service: a request refused, in the request's language
    'summary.bad_content_length': 'bad Content-Length',
    'summary.body_of_bytes': 'request body of {size} bytes',
    'summary.body_too_large': 'request body too large',
    'summary.token_required': 'a bearer token is required',
    'summary.http_404': 'Not Found',
    'summary.http_405': 'Method Not Allowed',
    'summary.internal_service': 'internal error; please report it (the service log has the details)',
    'summary.empty_body': 'empty request body',
    'summary.body_not_utf8': 'request body is not UTF-8',
    'summary.body_not_json': 'request body is not JSON',
    'summary.body_not_acceptable': 'request body is not acceptable JSON',
    'summary.body_too_deep': 'request body nests too deeply',
    'summary.no_authorization_served': 'no authorization ruleset loaded',
    'summary.not_fact_or_batch': 'expected a fact (a JSON object) or a batch (a JSON array)',
    'summary.batch_too_large': 'a batch of {count} facts',
    'summary.invalid_batch': 'invalid facts in the batch ({bad} of {total})',
    'summary.fact_in_batch': 'fact [{index}]: {summary}',
    'summary.unknown_query': 'unknown query parameter{plural}: {names}',
    'summary.several_gradings_served': 'several grading decisions are served: name one with decision=',
    'summary.unknown_grading_decision': 'unknown grading decision {decision!r}',
    'summary.unsupported_language': 'unsupported language {lang!r}',
    'problem.at_most_bytes': 'at most {limit} bytes',
    'problem.send_bearer': 'send Authorization: Bearer TOKEN',
    'problem.send_fact_or_batch': 'send one fact (a JSON object) or a batch (a JSON array of them)',
    'problem.undecodable_byte': 'byte {start}: {reason}',
    'problem.json_syntax': '{message}',
    'problem.parser_said': '{message}',
    'problem.trailing_comma': 'trailing comma before {bracket}',
    'problem.not_json_number': '{name} is not a JSON number',
    'problem.nested_deeper': 'JSON nested deeper than {limit} levels',
    'problem.service_serves': 'the service serves: {ids}',
    'problem.got_json_type': 'got a JSON {type}',
    'problem.at_most_facts': 'at most {limit} facts a request',
    'problem.route_takes': '{kind} takes: {names}',
    'problem.choose_one': 'one of {choices}',
    'problem.served_decisions': 'served: {ids}',
    # regrade's summary table; serve's start-up and reload lines
    'regrade.level': 'level',
    'regrade.tickets': 'tickets',
    'regrade.share': 'share',
    'regrade.graded': 'graded',
    'regrade.invalid': 'invalid',
    'regrade.see_errors': '  (see {file})',
    'regrade.ruleset': 'ruleset {ruleset} sha256 {sha256} in {seconds} s',
    'serve.needs_extra': "asprules serve needs the serve extra: pip install 'asprules[serve]' ({error})",
    'serve.serving': 'serving {kind} ruleset {id} version {version} sha256 {sha256}',
    'serve.open_without_tokens': 'listening on {host} without bearer tokens: anyone who reaches the port can ask for decisions',
    'serve.listening': 'listening on {url} (reload: {reload})',
    'serve.reload_sighup': 'SIGHUP',
    'serve.reload_polled': 'SIGHUP, or a change of the rule files (polled every {seconds}s)',
    'serve.reloaded': 'reloaded the rules ({reason}): generation {generation}, serving {serving}',
    'serve.reload_failed': 'reload failed ({reason}): {error} — still serving generation {generation}: {serving}',
    'serve.kept_tokens': 'kept the old bearer tokens: {error}',
    'summary.cannot_listen': 'cannot listen on {host}:{port}',
    'problem.os_error.EADDRINUSE': 'Address already in use',
    'problem.os_error.EADDRNOTAVAIL': 'Cannot assign requested address',
    'summary.cannot_read_tokens': '{file}: cannot read the token file',
    'summary.no_token_in_file': '{file}: the token file holds no token',
    'problem.one_token_a_line': 'one token a line',
    'summary.no_token_in_env': '${env} holds no token',
    'problem.set_tokens': 'set {env} to one or more tokens, separated by spaces or commas',
    # the columnar backend (regrade): files and columns that do not fit
    'columnar.what.int': 'an integer',
    'columnar.what.float': 'a number',
    'columnar.what.bool': 'true or false',
    'columnar.what.enum': 'text',
    'columnar.what.text': 'text',
    'columnar.what.instant': 'a date-time text with a UTC offset',
    'columnar.what.zone': 'an IANA time zone name',
    'columnar.what.window': 'a daily window HH:MM-HH:MM',
    'columnar.what.periods': 'a list of periods {name, start, end}',
    'problem.missing_column': 'missing column {name} ({what}, required)',
    'problem.column_type': 'column {name} is {type}, expected {want}{hint}',
    'problem.naive_datetimes': '; date-times need a UTC offset (a TIMESTAMP WITH TIME ZONE column, or text like 2026-11-18T14:05:00+08:00)',
    'problem.unknown_struct_field': 'unknown field {field} in struct column {name}',
    'problem.unknown_column': "unknown column {name}: not a field of the incident (--ignore-extra-columns, or extra_columns='ignore', leaves it out)",
    'summary.columns_do_not_fit': "the input's columns do not fit the incident schema",
    'summary.unknown_table_format': 'unknown format {format!r}',
    'problem.table_formats': 'formats: parquet, csv, jsonl',
    'summary.unknown_table_suffix': '{file}: cannot tell the format',
    'problem.name_the_suffix': 'name it .parquet, .csv or .jsonl (got {got})',
    'problem.no_suffix': "'no suffix'",
    'summary.table_not_found': '{file}: not found',
    'summary.not_parquet': '{file}: not a Parquet file',
    'problem.parquet_magic': 'a Parquet file starts and ends with PAR1; this one does not',
    'summary.not_text_table': '{file}: not a {format} file',
    'problem.binary_data': 'the file holds binary data (Parquet?)',
    'summary.not_utf8_table': '{file}: not UTF-8 text',
    'summary.not_json_lines': '{file}: not JSON Lines',
    'problem.first_record_brace': "the first record does not start with '{{'",
    'summary.unknown_keys': '{file}: keys the incident does not have',
    'summary.table_unreadable': '{file}: cannot be read',
    'problem.engine_said': '{message}',
    'summary.not_a_table': 'cannot read this table',
    'problem.table_kinds': 'expected an Arrow table, a pandas or polars DataFrame; got {got}',
    'problem.unknown_key_first': "unknown field {key}, first in record {record} (--ignore-extra-columns, or extra_columns='ignore', leaves it out)",
    'summary.not_incident_records': '{file}: not JSON Lines of incidents',
    'problem.record_not_object': 'record {record} is not a JSON object',
    # a rules repository's asprules.toml
    'summary.invalid_config': '{file}: invalid project configuration',
    'problem.config_syntax': 'not TOML: {message}',
    'problem.config_unknown_key': 'unknown key {key!r}; asprules.toml takes: {keys}',
    'problem.config_needs_rules': 'name the rules: rules = ["rulesets"] (paths relative to this file)',
    'problem.config_paths': 'a list of rule files or directories, relative to this file (got {got})',
    'problem.config_path_missing': '{path!r}: no such file or directory (relative to this file)',
    # diff: a changed region, a band and what each version requires there, in words
    'diff.head': '{name}: ',
    'diff.change': '{region}: {old} → {new} ({direction})',
    'words.and': ' and ',
    'words.or': ' or ',
    'words.not': 'not {cond}',
    'words.in': '{name} in {values}',
    'words.not_in': '{name} not in {values}',
    'words.given': '{name} given',
    'words.not_given': '{name} not given',
    'words.contains_any': '{name} contains any of {values}',
    'words.contains': '{name} contains {member}',
    'words.local_time': '{field} local time',
    'words.local_time_in': '{field} local time in {within}',
    'words.inside_window': '{start}–{end} inside the window {window}',
    'words.inside_maintenance_window': '{start}–{end} inside the maintenance window',
    'words.in_sensitive_period': '{what} in a sensitive period',
    'words.anyone': 'anyone',
    'words.as_forms': ' as {forms}',
    'words.approval_recorded': 'approval {step} recorded by {by}{forms}',
    'words.every_incident': 'every incident',
    'words.every_operation': 'every operation',
    'words.parts': ' ({count} parts)',
    'words.except_where': ' (except where {constraints} denies in both versions)',
    'words.by_old_rules': '{cond} (by the old rules)',
    'words.by_new_rules': '{cond} (by the new rules)',
    'words.req_approval': 'approval {step} by {roles}{forms}',
    'words.req_notice': '{channel} notice {lead} min ahead',
    'words.req_qualification': 'engineer qualification ≥ {minimum}',
    'words.req_order': 'approvals in order {steps}',
    'words.no_authorization_witness': 'no witness operation found: the change is judged from what each version requires',
    'words.policy_fallback': 'not shown region by region: judged from the step policy alone',
    'words.req_quorum': '{count} distinct approvers of {step}',
    'words.req_recipient': 'notice to the {role}',
    'words.req_separation_requester': 'approvers of {step} not the requester',
    'words.req_separation_engineer': 'approvers of {step} not the engineer',
    'words.req_separation_steps': 'no approver counted for both {a} and {b}',
    'words.req_validity': 'approvals of {step} valid for {valid}',
    'words.risk_denied_by': '{risk}: denied by {constraints}',
    'words.no_longer_denied_by': 'no longer denied by {constraint}',
    'words.now_denied_by': 'denied by {constraint}',
    'words.also_stricter': '(also stricter: see the + lines)',
    'words.band': '{name} band',
    'words.band_moved': '{old} → {new} band',
    'words.band_changed': '{name} band: {what}',
    'words.new_rule': 'new rule {rule}',
    'words.rule_removed': 'rule {rule} removed',
    'words.rule_changed': 'rule {rule} changed',
    'words.level_edit': 'level {old}→{new}',
    'words.default_edit': 'default {old}→{new}',
    'words.condition_edit': 'condition {old} → {new}',
    'words.level': 'level {id}',
    'words.level_order': 'level order',
    'words.ranked_differently': 'the versions rank these levels differently',
    'words.no_table': '(no table)',
    'words.no_table_decided': 'no table',
    'words.no_witness': 'no witness confirmed this band: a condition the model cannot decide is involved; it still counts for the gates',
    'words.other_combinations': '{first} (+{count} other combinations)',
    'words.step': 'step {id}',
    'words.requirements': 'requirements',
    'words.looser': 'looser {what}',
    'words.stricter': 'stricter {what}',
    'words.policy_separator': '; ',
    'words.policy.quorum': 'quorum',
    'words.policy.separation_requester': 'separation from the requester',
    'words.policy.separation_engineer': 'separation from the engineer',
    'words.policy.separation_steps': 'separation from steps',
    'words.policy.validity': 'approval validity',
    'words.policy.archive': 'archive obligation',
    'words.policy.channels_required': 'channels required',
    'words.policy.recipients': 'recipients',
    'words.policy.lead_time': 'notice lead time for {risk}',
    'note.authorization_schemas_differ': 'the authorization versions decide on different fact schemas; compare them over a corpus (--scenarios)',
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
    # types whose English names the allowed values or bounds: the Chinese names them from pydantic's context
    "problem.literal_error": "取值须为以下之一：{expected}",
    "problem.enum": "取值须为以下之一：{expected}",
    "problem.greater_than": "数值须大于 {gt}",
    "problem.greater_than_equal": "数值须不小于 {ge}",
    "problem.less_than": "数值须小于 {lt}",
    "problem.less_than_equal": "数值须不大于 {le}",
    "problem.string_pattern_mismatch": "格式不符：须匹配 {pattern!r}",
    "problem.too_short": "至少需要 {min_length} 项，实际 {actual_length} 项",
    "problem.too_long": "至多允许 {max_length} 项，实际 {actual_length} 项",
    "problem.value_error": "取值无效（{english}）",
    "problem.union_tag_invalid": "{discriminator} 的取值 {tag!r} 无效，须为以下之一：{expected_tags}",
    "problem.condition_shape": "不是条件：应为含以下键之一的映射：field、all、any、not、local_time、in_window、in_sensitive_period、has_approval",
    "problem.document_kind": "kind 须为以下之一：grading、authorization、calendar、customers、facts",
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
    "diff.replay_per_record": "{file} 逐条重放，未用列式后端：{reason}",
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
    # format/validate: reference and well-formedness problems
    'problem.duplicate_id': 'id {ident!r} 重复（首次定义于第 {line} 行）',
    'problem.derived_shadows': '派生值 {name!r} 与事实字段同名',
    'problem.boolean_operand': '运算数须为数字或字段名，不能是布尔值',
    'problem.unknown_field': '未知字段 {name!r}{hint}',
    'problem.did_you_mean': '（是否想写 {name!r}？）',
    'problem.not_a_number_field': '字段 {name!r} 的类型为 {kind}，不是数字',
    'problem.division_by_zero': '除数为零',
    'problem.derived_cycle': '派生值经 {name!r} 形成循环：{cycle}',
    'problem.empty_approval_list': '{key}: [] 使任何审批都不合格，此条件永不成立；省略 {key} 即接受任意 {what}',
    'problem.not_an_instant_field': '字段 {name!r} 的类型为 {kind}，不是日期时间',
    'problem.has_approval_outside': 'has_approval 只能用于授权规则集',
    'problem.undefined_step': '未定义的步骤 {step!r}；已定义：{defined}',
    'problem.undefined_role': '未定义的角色 {role!r}；已定义：{defined}',
    'problem.unknown_evidence_form': '依据形式 {form!r} 不在事实模式中（{forms}）',
    'problem.contains_any_needs_list': 'contains_any 须用于列表字段；{name!r} 的类型为 {kind}',
    'problem.list_needs_contains_any': '{name!r} 是列表；请用 contains_any 比较',
    'problem.ordering_needs_number': '{op} 须用于数字字段；{name!r} 的类型为 {kind}',
    'problem.empty_between': 'between [{low}, {high}] 为空：下限大于上限',
    'problem.not_a_value_of': '{value} 不可能是 {name!r} 的取值（{type}）',
    'problem.not_a_member': '{value} 不是以下之一：{values}',
    'problem.no_levels': '定级规则集须声明级别（至少两个）或输出',
    'problem.one_level': '请至少声明两个级别（规则集声明输出时可不声明级别）',
    'problem.no_major_level': '没有级别是重大故障（major: true）',
    'problem.undefined_level': '未定义的级别 {level!r}；已定义：{defined}',
    'problem.unknown_from': "{why}；或写 'graded'：定级的时刻",
    'problem.not_a_time_field': '字段 {name!r} 的类型为 {kind}，不是时间',
    'problem.cap_below_floor': '上限 {cap!r} 比下限 {floor!r} 更轻',
    'problem.value_not_text': '{value} 不是文本',
    'problem.value_not_number': '{value} 不是数字',
    'problem.value_not_boolean': '{value} 不是布尔值',
    'problem.value_not_list': '{value} 不是列表',
    'problem.value_not_allowed': '{value} 不在允许的取值 {allowed} 之中',
    'problem.output_named_level': "输出 id 'level' 已被占用：链式决策以 ID.level 读取级别",
    'problem.allowed_of_type': '{why}（输出 {output!r} 的类型为 {type}）',
    'problem.bad_output_default': '输出 {output!r} 的默认值：{why}',
    'problem.undeclared_output': '未声明的输出 {name!r}；已声明：{declared}',
    'problem.undeclared_output_none': '未声明的输出 {name!r}；尚未声明任何输出（请在 outputs 下声明）',
    'problem.bad_output_value': '输出 {name!r}（{type}）：{why}',
    'problem.outputs_table_key': '没有级别的规则集只给出输出：定级表不能有 {key}（请声明输出的默认值）',
    'problem.outputs_row_key': '没有级别的规则集只给出输出：规则不能有 {key}',
    'problem.row_without_output': '每条规则至少给出一个输出',
    'problem.aggregator_without_collect': '聚合方式只能与命中策略 collect 搭配，不能与 {policy} 搭配',
    'problem.policy_needs_allowed': '命中策略 {policy} 按第一个输出（{output!r}）的允许取值排序，但它未声明允许取值',
    'problem.list_policy_with_levels': '命中策略 {policy} 返回输出列表：只能用于没有级别的规则集',
    'problem.collect_needs_aggregator': '命中策略 collect 需要聚合方式：max、min、sum 或 count',
    'problem.sum_row_needs_score': 'collect sum 下每条规则给出分数（不给级别）',
    'problem.sum_row_has_level': 'collect sum 下规则给出分数而非级别：级别由分段给出',
    'problem.count_row_key': 'collect count 下规则不给 {key}：只统计命中的规则数，级别由分段给出',
    'problem.row_needs_level': '命中策略 {policy} 下每条规则都须给出级别',
    'problem.score_without_sum': '分数只能与 collect sum 搭配',
    'problem.banded_default': 'collect {aggregator} 下级别由分段给出；默认值永远不会被使用',
    'problem.banded_needs_bands': 'collect {aggregator} 下定级表需要分段：为总分的各区间指定级别',
    'problem.table_needs_default': '命中策略 {policy} 下定级表需要默认值：没有规则命中时的级别',
    'problem.bands_without_collect': '分段只能与 collect sum 或 count 搭配',
    'problem.band_gap_below': '空缺：总分 {low} 至 {min} 不落入任何分段（最低分段从 {min} 开始）',
    'problem.bands_overlap': '分段 {a} 与 {b} 重叠：都从 {min} 开始',
    'problem.bands_overlap_unbounded': '分段 {a} 与 {b} 重叠：都没有下限',
    'problem.band_gap_between': '空缺：分段 {a} 止于 {below} 以下，而下一分段从 {min} 开始；总分 {below} 至 {min} 不落入任何分段',
    'problem.band_overlap_between': '重叠：分段 {a} 止于 {below} 以下，而下一分段从 {min} 开始',
    'problem.band_gap_above': '空缺：总分 {below} 至 {high} 不落入任何分段（最高分段止于 {below} 以下）',
    'problem.empty_band': '分段 {band} 为空：below {below} 不大于 min {min}',
    'problem.separated_from_itself': '步骤不能与自身分离；需要不同审批人请用 quorum',
    'problem.unknown_channel': '通知方式 {channel!r} 不是以下之一：{channels}',
    'problem.undefined_risk_class': '未定义的风险类别 {risk!r}',
    'problem.catch_all_not_last': '风险类别 {risk!r} 没有条件，其后的类别永远不会命中',
    'problem.step_twice': '步骤 {step!r} 在授权链中出现两次',
    'problem.retro_not_in_chain': '步骤 {step!r} 不在风险类别 {risk!r} 的授权链中',
    'problem.retro_without_approval': '步骤 {step!r} 无需审批，因此不能补批',
    'problem.no_catch_all': '最后一个风险类别不能有条件（兜底类别），以免有操作未被分类',
    'problem.record_field': '{name!r} 是记录；条件须指明其中一个字段（{fields}）',
    'problem.list_of_records_field': '{name!r} 是记录列表；没有条件能比较它（has_approval 读取 approvals）',
    'problem.not_a_ruleset_mapping': '规则集文件须为映射，顶层含 asprules、kind 和 id',
    'problem.bad_cite_pattern': 'cite_pattern 不是有效的正则表达式：{error}',
    'problem.cite_off_pattern': '出处 {cite} 不符合本文件的 cite_pattern {pattern!r}',
    'problem.schema_lacks': '{need}（事实模式 {schema!r}，{where}）',
    'problem.customer_not_record': '{use} 读取 customer.timezone，但 customer 的类型为 {type}，不是记录',
    'problem.customer_part': '{use} 读取 customer.{name}：它须为可选的 {kind}',
    'problem.customer_part_with_format': '{use} 读取 customer.{name}：它须为可选的 {kind}，格式为 {format}',
    'problem.customer_periods_shape': 'customer.sensitive_periods 须为含 {fields} 的记录',
    'problem.needs_scheduled_start': '授权依据 scheduled_start 判断审批：请将其声明为必填的 instant',
    'problem.needs_approvals_list': '审批步骤读取 approvals，它须为含 step: text、role: text、at: instant 的记录列表',
    'problem.needs_approvals_fields': '审批步骤读取 approvals，它须为含 {fields} 的记录列表',
    'problem.needs_approver_by': '法定人数或职责分离要清点审批人：approvals 需要文本字段 by',
    'problem.needs_archive_ref': '归档要求读取 approvals 的 archive_ref：请将其声明为可选的 text',
    'problem.needs_requester': '与申请人分离要读取 requester：请将其声明为 text 字段',
    'problem.needs_engineer_id': '与执行工程师分离要读取 engineer.id：请将 engineer 声明为含 id 的记录',
    'problem.needs_confirmations': '后续义务由 confirmations 确认完成：请声明含 obligation: text、at: instant 的记录列表',
    'problem.needs_notifications_list': '通知步骤读取 notifications，它须为含 channel: enum、at: instant 的记录列表',
    'problem.needs_notifications_fields': '通知步骤读取 notifications，它须为含 {fields} 的记录列表',
    'problem.needs_qualification': '资格步骤读取 engineer.qualification：请将 engineer 声明为必填记录，其中 qualification 为必填整数',
    # clock and calendars: times, windows, zones, durations, periods
    'problem.out_of_range': '{instant} 超出支持的范围 0002-01-01 至 9998-12-31（UTC）',
    'problem.window_not_text': "时间窗口须为文本，如 '00:00-05:00'，实际为 {value}",
    'problem.window_form': '时间窗口 {window!r} 不符合 HH:MM-HH:MM 格式',
    'problem.window_impossible_time': '时间窗口 {window!r} 含不存在的时间 {time}',
    'problem.window_zero': '时间窗口 {window!r} 长度为零',
    'problem.unknown_zone_name': '未知的 IANA 时区 {zone!r}：请写地区名，如 Asia/Shanghai、Europe/Berlin 或 UTC',
    'problem.unknown_zone': '未知的 IANA 时区 {zone!r}',
    'problem.duration_not_text': "时长须为带单位的文本，如 '72h' 或 '14d'，实际为 {value}",
    'problem.duration_no_unit': "时长 {duration!r} 没有单位：请写成 '{number}h' 或 '{number}d'（单位 m、h、d、w）",
    'problem.duration_form': "时长 {duration!r} 不是带单位 m、h、d 或 w 的正数（如 '72h' 或 '14d'）",
    'problem.duration_zero': '时长 {duration!r} 为零',
    'problem.not_month_day': "{value} 不是 MM-DD 格式的月日（如 '12-15'）",
    'problem.not_a_day': '{value} 不是任何年份中存在的日期',
    'problem.not_week_time': "{value} 不是星期加时间，如 'Friday 16:00'",
    'problem.week_time_impossible': '{value} 含不存在的时间 {time}',
    'problem.no_offset': '{instant} 没有 UTC 偏移',
    'problem.not_date_or_instant': '{value} 不是日期（YYYY-MM-DD）或带偏移的日期时间',
    'problem.not_date_or_datetime': '{value} 不是日期或日期时间',
    'problem.period_out_of_range': '时段 {period!r} 超出支持的范围 0002-01-01 至 9998-12-31',
    'problem.period_reversed': '时段 {period!r} 的结束早于开始',
    # format/document and fact models: what a validator refuses
    'problem.one_operator': '比较只能有一个运算符，实际有 {given}',
    'problem.no_operator': '比较需要一个运算符：{operators}',
    'problem.operator_null': '运算符 {op} 需要一个值，实际为 null',
    'problem.instant_or_span': '请给出 field（一个时刻）或 start 与 end（一个时段），二者择一',
    'problem.assumed_needs_basis': "provenance 'assumed' 需要一行 basis 说明依据",
    'problem.not_a_duration': '不是时长：{value}',
    'problem.deadline_no_unit': "期限需要单位：请把 {value} 写成如 '{number}h'（单位：m、h、d）",
    'problem.deadline_form': "不是时长：{value}；请写数字加单位，如 '30m'、'4h'、'2d'",
    'problem.deadline_too_long': '时长 {value} 超过一年',
    'problem.within_or_by': '后续义务只能有 within 或 by 之一，不能同时有',
    'problem.derived_one_operation': '派生值须恰为 add、sub、mul、div、min、max 之一',
    'problem.two_operands': '{op} 至少需要两个运算数',
    'problem.raise_or_lower': '级别调整须恰有 raise 或 lower 之一',
    'problem.empty_step': '步骤至少要求 approval、notification、qualification 之一',
    'problem.instant_text': '日期时间须为带偏移的 ISO 8601 文本，如 2026-11-18T14:00:00+08:00；实际为 {value}',
    'problem.instant_type': '日期时间须为带偏移的 ISO 8601 文本，如 2026-11-18T14:00:00+08:00，不能是 {kind}',
    'problem.end_before_start': 'end 须晚于 start',
    'problem.scheduled_end_before_start': 'scheduled_end 须晚于 scheduled_start',
    'problem.before_started_at': '{name} 早于 started_at',
    'problem.outage_unknown': '中断时长未知：请给出 outage_minutes、recovered_at 或 as_of',
    'problem.outage_disagrees_recovered': 'outage_minutes {outage} 与 started_at 和 recovered_at 不一致：它须等于恢复所用时间（{elapsed} 分钟）',
    'problem.outage_disagrees_as_of': 'outage_minutes {outage} 与 started_at 和 as_of 不一致：它至多等于到 as_of 的时间（{elapsed} 分钟）',
    'problem.not_a_mapping': '应为字段映射，实际为 {kind}',
    'problem.larger_than': '超过 {limit} 字节',
    'problem.not_utf8': '不是 UTF-8 文本（第 {at} 字节：{reason}）',
    'summary.input_too_large': '{file}：输入过大',
    'summary.cannot_read': '{file}：无法读取',
    'problem.unknown_type': '未知类型 {type!r}{hint}；可选 {types}',
    'problem.enum_needs_values': 'enum 需要 values（其成员）',
    'problem.list_needs_values': 'list 需要 values（其成员）',
    'problem.enum_repeats': 'enum 成员重复',
    'problem.values_misplaced': 'values 只属于 enum 或 enum 列表，不属于 {type}',
    'problem.record_needs_fields': 'record 需要 fields',
    'problem.records_need_fields': '记录列表需要 fields',
    'problem.fields_misplaced': 'fields 只属于 record 或记录列表，不属于 {type}',
    'problem.values_and_fields': '列表装 enum 成员（values）或记录（fields），不能兼有',
    'problem.bound_misplaced': '{key} 只限定 number、integer 或 duration，不限定 {type}',
    'problem.bounds_reversed': '上下限颠倒：min {min} 大于 max {max}',
    'problem.integer_bound': 'integer 的 {key} 须为整数，不能是 {bound}',
    'problem.max_length_misplaced': 'max_length 只限定 text 或 list，不限定 {type}',
    'problem.default_misplaced': '只有 bool 可设 default，{type} 不可',
    'problem.format_misplaced': 'format 只检查 text，不检查 {type}',
    'problem.checks_misplaced': 'checks 只用于 record，不用于 {type}',
    'problem.check_reads_undeclared': '检查 {check!r} 读取 {fields}，但模式未声明它们',
    'problem.schema_id_taken': '事实模式 id {id!r} 也由 {first} 声明',
    'problem.the_bundled_schemas': '内置模式',
    'problem.the_schema': '该模式',
    'problem.extends_cycle': '事实模式经 {id!r} 循环相互扩展',
    'problem.extends_unknown': '扩展了未知的事实模式 {id!r}；已知：{known}',
    'summary.invalid_fact_schema': '事实模式无效：{files}',
    'summary.invalid_fact_schemas': '事实模式无效：{files}',
    'problem.change_without_extends': '{key} 修改被扩展模式的字段；但本模式未扩展任何模式',
    'problem.schema_has_no_field': '{schema} 没有字段 {field!r}',
    'problem.check_loses_fields': '{schema} 的检查 {check!r} 读取 {fields}；请保留这些字段，或不用 extends 重新声明模式',
    'problem.schema_needs_id': "事实模式需要必填的文本字段 'id'（每个决策都要指明其事实）",
    'problem.not_iso_duration': '不是 ISO 8601 时长（PnDTnHnMnS）：{value}',
    'problem.format_version': '格式版本须为整数 {version}，实际为 {value}',
    'problem.not_yaml_integer': '{value} 不是 YAML 1.2 整数',
    'problem.not_yaml_float': '{value} 不是 YAML 1.2 浮点数',
    'summary.no_rule_files_in': '{path}：没有规则文件',
    'problem.directory_without_rules': '该目录中没有 .yaml 规则文件',
    'summary.not_found': '{path}：未找到',
    'problem.no_such_file': '没有该文件或目录',
    'problem.unknown_fact_schema': '未知的事实模式 {id!r}；已知：{known}',
    'summary.invalid_ruleset': '规则集无效：{files}',
    'summary.invalid_rulesets': '规则集无效：{files}',
    'problem.requires_unloaded': '依赖决策 {dep!r}，但它未加载；已加载的定级规则集：{loaded}',
    'problem.requires_unloaded_none': '依赖决策 {dep!r}，但它未加载；未加载其他定级规则集',
    'problem.requires_cycle': '决策之间循环依赖：{chain}',
    'problem.ruleset_id_taken': '规则集 id {id!r} 也被 {first} 使用',
    'problem.calendar_not_loaded': '日历 {calendar!r} 不在已加载的文件中',
    'problem.customer_twice_here': '客户 {customer!r} 重复登记（本文件中另有一处）',
    'problem.customer_twice': '客户 {customer!r} 重复登记（另见 {first}）',
    'problem.second_ruleset': '第二个 {kind} 规则集（第一个：{first}）；请分别加载',
    'summary.no_rule_files': '没有规则文件',
    'problem.no_rule_files_given': '未给出规则文件',
    # source: reading and parsing files
    'problem.yaml_alias': 'asprules 文件中不允许使用 YAML 锚点和别名',
    'problem.too_deep': '嵌套超过 {limit} 层',
    'problem.too_many_nodes': 'YAML 节点（键、值和列表项）超过 {limit} 个',
    'summary.file_too_large': '{file}：文件过大',
    'summary.cannot_parse': '{file}：无法解析',
    'problem.yaml_syntax': 'YAML/JSON 语法错误（解析器原文：{detail}）',
    'problem.not_unicode': '不是有效的 Unicode 文本（位置 {at}：{reason}）',
    'problem.nested_too_deeply': '嵌套过深',
    'problem.yaml_merge_key': '不允许使用 YAML 合并键（<<）',
    'problem.key_not_text': '映射的键须为文本，实际为 {key}',
    'problem.duplicate_key': '键 {key} 重复',
    'problem.number_too_long': '数字 {number}… 超过 {limit} 个字符',
    'problem.bad_scalar': '无效的标量 {value}：不是有效的 {kind}',
    'problem.bad_scalar_because': '无效的标量 {value}：不是有效的 {kind}：{reason}',
    'problem.yaml_tag': '不允许使用 YAML 标签 {tag!r}',
    'summary.not_regular': '{file}：不是普通文件',
    'problem.not_regular_file': '{what}，不是普通文件',
    'problem.file_kind.directory': '是目录',
    'problem.file_kind.fifo': '是 FIFO（命名管道）',
    'problem.file_kind.character_device': '是字符设备',
    'problem.file_kind.block_device': '是块设备',
    'problem.file_kind.socket': '是套接字',
    'problem.file_kind.other': '不是普通文件',
    'problem.size_larger_than': '{size} 字节，超过 {limit} 字节',
    'problem.os_error': '系统报告：{reason}',
    'summary.line_not_object': '{file}:{line}：不是 JSON 对象',
    'problem.line_not_object': '每行须为一个 JSON 对象（一个事实），实际为 {got}',
    'summary.line_cannot_parse': '{file}:{line}：无法解析',
    # source: the system's reasons a file cannot be read
    'problem.os_error.ENOENT': '没有该文件或目录',
    'problem.os_error.EACCES': '没有权限',
    'problem.os_error.EPERM': '不允许的操作',
    'problem.os_error.EISDIR': '是目录',
    'problem.os_error.ENOTDIR': '不是目录',
    'problem.os_error.ELOOP': '符号链接层数过多',
    'problem.os_error.ENAMETOOLONG': '文件名过长',
    # diff: notes beside the changed regions
    'diff.bad_rows': '样本：跳过 {count} 行无法判定的数据',
    'diff.more_rows': '  …… 另有 {count} 行',
    'note.only_old_grading': '定级规则集 {id!r} 只在旧规则中',
    'note.only_new_grading': '定级规则集 {id!r} 只在新规则中',
    'note.of_decision': '{decision}：{note}',
    'note.one_side_grading': '只有一方有定级规则集',
    'note.one_side_authorization': '只有一方有授权规则集',
    'note.requires': '有一个版本读取其他决策（requires）；请用样本比较（--scenarios）',
    'note.outputs_only': '有一个版本只给出输出（没有级别）；请用样本比较（--scenarios）',
    'note.derived_differ': '两个版本的派生值不同；请用样本比较（--scenarios）',
    'note.schemas_differ': '两个版本依据不同的事实模式决策；请用样本比较（--scenarios）',
    'note.retro_added': '风险类别 {risk}：步骤 {step} 现可在 {within} 内补批（更宽松）',
    'note.retro_removed': '风险类别 {risk}：步骤 {step} 不再允许补批（更严格）',
    'note.retro_wider': '风险类别 {risk}：步骤 {step} 的补批期限为 {within}，原为 {was}（更宽松）',
    'note.retro_narrower': '风险类别 {risk}：步骤 {step} 的补批期限为 {within}，原为 {was}（更严格）',
    'note.obligation_added': '新增后续义务 {id}',
    'note.obligation_removed': '删除后续义务 {id}',
    'note.calendar_added': '新增日历 {id}：请用样本比较决策（--scenarios）',
    'note.calendar_removed': '删除日历 {id}：请用样本比较决策（--scenarios）',
    'note.calendar_changed': '日历 {id} 有变化：请用样本比较决策（--scenarios）',
    'note.registry_added': '新增客户登记表 {id}：请用样本比较决策（--scenarios）',
    'note.registry_removed': '删除客户登记表 {id}：请用样本比较决策（--scenarios）',
    'note.registry_changed': '客户登记表 {id} 有变化：请用样本比较决策（--scenarios）',
    'note.unreached': '模型中有 {count} 个授权区域没有操作能到达（无示例）：已略去',
    'note.unwitnessed': '有 {count} 个授权区域两版要求不同，但未找到示例操作：照样列出（无示例），并按方向参与门禁',
    # diff: more directions
    'direction.added': '新增',
    'direction.removed': '删除',
    'direction.not comparable': '无法比较',
    # command line: init, progress, diff
    'summary.not_a_wheel': '{file}：不是 wheel 文件',
    'problem.give_a_wheel': '请给出 pip wheel 构建的 asprules-*.whl',
    'summary.init_would_overwrite': '{target}：init 会覆盖 {count} 个文件',
    'problem.already_exists': '已存在；init 从不覆盖文件',
    'init.wrote': '已在 {target}/ 下写入 {count} 个文件（见 {readme}）',
    'init.wheels': 'CI 从 wheels/ 安装 asprules：python -m pip wheel --no-deps -w wheels/ /path/to/asprules',
    'progress.analysing': '正在分析 {size} KiB 规则……',
    'progress.facts': '个事实',
    'progress.corpus': '个样本事实已按两个版本判定',
    'progress.rows': '已定级 {rows} 行……',
    'summary.diff_needs_two': 'diff 需要 OLD 和 NEW',
    'problem.diff_give_two': '请给出两个规则路径、两个 git 修订（REV1 REV2 [-- PATHS]）或 --base BRANCH',
    'diff.gate_separator': ' 和 ',
    'diff.broken': '{gates}：有 {count} 处违反：',
    'diff.undecided': '{count} 行样本无法判定（第一行：{first}）',
    # why-not: the failures of an any
    'why_not.separator': '；',
    # analysis: findings and what a budget left unchecked
    'report.region': '    区域：{region}',
    'report.witness': '示例',
    'report.worse': '更严重的',
    'report.less_bad': '较轻的',
    'finding.budget_exceeded': '{what}将超出预算 {limit}',
    'finding.counted.boxes': '一个条件展开的区域数',
    'finding.counted.regions': '区域树的区域数',
    'finding.counted.splits': '搜索未覆盖区域的拆分次数',
    'finding.not_checked': '未精确检查：{what}',
    'finding.budget_opaque_incident': '{rule}：{exceeded}；它被视为不透明条件，依赖它的发现只在具体故障证实时报告',
    'finding.budget_opaque_operation': '{rule}：{exceeded}；它被视为不透明条件，依赖它的发现只在具体操作证实时报告',
    'finding.budget_no_model': '规则集 {ruleset!r}：{exceeded}；未运行区域模型的任何检查',
    'finding.where_table_row': '定级表 {table!r}（拆分至规则 {row} 时）',
    'finding.where_applies': '规则集 {ruleset!r}（拆分至定级表 {rule} 的 applies_when 时）',
    'finding.where_rule': '规则集 {ruleset!r}（拆分至 {kind} {rule} 时）',
    'finding.where_ruleset': '规则集 {ruleset!r}',
    'finding.budget_tree': '{where}：{exceeded}；未检查重叠、被遮蔽的规则、单调性和无效的级别调整',
    'finding.budget_no_table': '规则集 {ruleset!r}：{exceeded}；未搜索没有定级表适用的故障',
    'finding.budget_default': '定级表 {table!r}：{exceeded}；未搜索落入其重大故障默认级别的区域',
    'finding.budget_authorization': '授权规则集 {ruleset!r}：{exceeded}；未检查被遮蔽的风险类别和无效的约束',
    'finding.unconfirmed': '{finding}（未在具体故障上证实）',
    'finding.unconfirmed_opaque': '{finding}（未在具体故障上证实：该区域取决于模型无法判定的条件）',
    'finding.no_table': '没有定级表适用于 {region} 的故障；对其定级会报错',
    'finding.falls_to_major_default': '定级表 {table!r}：没有规则覆盖 {region}；落入默认级别 {level}，这是重大故障级别',
    'finding.outputs_without_default': '定级表 {table!r}：没有规则覆盖 {region}；输出 {outputs} 在此没有默认值（null）',
    'finding.overlap_unique': '定级表 {table!r} 的命中策略为 unique，但规则 {a} 和 {b} 都命中 {region}',
    'finding.overlap_any': '定级表 {table!r} 的命中策略为 any，但给出 {gives_a} 和 {gives_b} 的规则 {a} 和 {b} 都命中 {region}',
    'finding.unreachable_row': '定级表 {table!r} 的规则 {row} 永远不会命中：其条件（在该表的 applies_when 范围内）无法满足',
    'finding.masked_row_first': '定级表 {table!r} 的规则 {row} 永远不起决定作用：凡它命中之处，前面的规则 {rows} 都已命中',
    'finding.masked_row_priority': '定级表 {table!r} 的规则 {row} 永远不起决定作用：凡它命中之处，更严重（优先）的规则 {rows} 都已命中',
    'finding.non_monotone': '{measure} 变差（{below} → {above}）反而使级别降低 {low} → {high}（{a} 对比 {b}）',
    'finding.adjustment_never_applies': '对于其适用级别的故障，其条件永不成立',
    'finding.adjustment_at_cap': '凡其适用之处，级别已处于上限 {level}',
    'finding.adjustment_at_floor': '凡其适用之处，级别已处于下限 {level}',
    'finding.dead_adjustment': '级别调整 {adjustment} 永远不会改变级别：{why}',
    'finding.classes_before': '凡它命中之处，前面的类别（{classes}）都已命中',
    'finding.never_holds': '其条件永不成立',
    'finding.masked_risk_class': '风险类别 {risk} 永远不会用于任何操作：{why}',
    'finding.dead_constraint': '约束 {constraint}：其条件永不成立',
    'finding.constraint_always_waived': '约束 {constraint}：凡其适用之处例外条件（unless）都成立，因此它永远不会拒绝',
    'finding.unused_step': '步骤 {step} 不在任何授权链中，也未被任何 has_approval 条件使用',
    'finding.seats': '其角色（{roles}）共有 {have} 个席位',
    'finding.seats_taken': '其角色（{roles}）共有 {have} 个席位，其中 {taken} 个被须与之分离的审批人占用',
    'finding.unreachable_quorum': '步骤 {step} 需要 {need} 位不同的审批人，但{why}：永远无法满足',
    'finding.unreferenced_calendar': '日历 {calendar} 已加载，但没有规则集在 calendars: 中引用它，其时段都不会生效',
    'finding.calendar_unasked': '日历 {calendar} 被 {rulesets} 引用，但其中没有条件询问敏感期（in_sensitive_period）',
    'finding.period_inside': '日历 {calendar} 的时段 {period!r} 完全位于时段 {cover!r} 之内，因此永远不起决定作用',
    'finding.not_analysed': '规则集 {ruleset!r} 读取其他决策（{needs}）：不对它检查空缺、重叠和遮蔽，只检查被读取的决策',
    'finding.assumed': "{id}：provenance 为 'assumed'（依据：「{basis}」）；请填入贵组织的数值，并标为 'handbook' 或 'policy'",
    # deciding: rulebooks, backends, evaluation times, registries, scenario files, schemas
    'problem.no_customer': '事实未写明客户，而客户登记表（{registry}）决定每个客户的资料',
    'problem.unregistered_customer': '客户 {customer} 不在客户登记表（{registry}）中',
    'problem.customer_zone_changed': '事实把已登记客户 {customer} 的时区从 {registered} 改为 {given}',
    'problem.customer_window_widened': '事实把已登记客户 {customer} 的维护窗口从 {registered} 放宽到 {given}',
    'summary.customer_refused': '客户资料被拒绝',
    'summary.customer_refused_for': '{id} 的客户资料被拒绝',
    'summary.unknown_backend': '未知的评估后端 {backend}',
    'problem.available_backends': '可用的评估后端：{backends}',
    'summary.no_authorization': '未加载授权规则集',
    'summary.no_grading': '未加载定级规则集',
    'problem.loaded_files': '已加载的文件：{files}',
    'problem.loaded_no_files': '未加载任何文件',
    'summary.at_needs_offset': 'at 须为带时区偏移的日期时间',
    'problem.got_value': '实际为 {value}',
    'summary.rete_requires': '规则集 {ruleset!r} 读取其他决策（requires：{requires}）',
    'problem.rete_one_ruleset': "rete 后端一次只能用一个规则集定级；请使用 backend='compiled'",
    'summary.invalid_time': '评估时间无效',
    'problem.not_iso_time': '{value} 不是 ISO 8601 日期时间',
    'problem.time_without_offset': '{value} 不是带 UTC 偏移的时刻（如 2026-12-01T10:00:00+08:00）',
    'summary.incident_number': '第 {index} 个故障：{summary}',
    'summary.no_grading_named': '未加载定级规则集 {decision!r}',
    'problem.decision_not_loaded': '决策 {decision!r} 不对应任何已加载的规则集；已加载：{loaded}',
    'problem.decision_not_loaded_none': '决策 {decision!r} 不对应任何已加载的规则集；未加载任何规则集',
    'summary.several_gradings': '已加载多个定级规则集（{ids}）：请指明决策',
    'problem.name_the_decision': '请传入 decision=，取 {ids} 之一（命令行：--decision ID）',
    'summary.unique_several': '定级表 {table}{place} 的命中策略为 unique，但有多条规则命中',
    'summary.any_levels_differ': '定级表 {table}{place} 的命中策略为 any，但命中的规则给出不同的级别',
    'summary.any_outputs_differ': '定级表 {table}{place} 的命中策略为 any，但命中的规则给出不同的输出',
    'problem.rows_all_match': '规则 {rows} 都命中故障 {incident}',
    'summary.no_table_applies': '故障 {incident}：没有适用的定级表',
    'problem.no_applies_when': '没有定级表的 applies_when 成立（定级表：{tables}）',
    'summary.invalid_scenario_file': '{file}：场景文件无效',
    'summary.scenarios_no_decision': '{file}：场景指明的决策均未加载',
    'problem.scenario_decision_unloaded': '决策 {decision!r} 不对应任何已加载的定级规则集；已加载：{loaded}',
    'problem.scenario_say_decision': '已加载多个定级规则集（{loaded}）：请在此处或文件顶部写明 decision: ID',
    'problem.rules_missing': '{name!r}（{path}）不存在',
    'summary.scenario_rules_missing': '{file}：此场景文件指明的规则不存在（路径相对于该文件；或用 --rules 运行）',
    'summary.no_scenario_files': '{path}：没有场景文件',
    'problem.directory_without_scenarios': '该目录中没有 {suffix} 文件',
    'problem.scenario_say_type': '请写明 type: incident 或 type: operation（expect 无法判断）',
    'summary.unknown_schema': '未知的模式 {kind!r}',
    'problem.schema_kinds': '可选 {kinds}',
    'problem.schema_kinds_needs_rules': '可选 {kinds}；声明的事实模式需要 --rules',
    'summary.cannot_open_log': '{file}：无法打开决策日志',
    # command line: an internal error, a witness line
    'internal.traceback': 'asprules：内部错误（{error}）；这是 asprules 的缺陷，请连同上面的回溯信息报告给维护者',
    'internal.debug': 'asprules：内部错误（{error}）；这是 asprules 的缺陷，请用 --debug 重新运行同一命令，并把输出报告给维护者',
    'report.labelled': '    {label}：{value}',
    # the decision service: a request refused, in the request's language
    'summary.bad_content_length': 'Content-Length 无效',
    'summary.body_of_bytes': '请求体有 {size} 字节',
    'summary.body_too_large': '请求体过大',
    'summary.token_required': '需要 Bearer 令牌',
    'summary.http_404': '未找到',
    'summary.http_405': '不允许此方法',
    'summary.internal_service': '内部错误；请报告给维护者（服务日志中有详细信息）',
    'summary.empty_body': '请求体为空',
    'summary.body_not_utf8': '请求体不是 UTF-8 编码',
    'summary.body_not_json': '请求体不是 JSON',
    'summary.body_not_acceptable': '请求体不是可接受的 JSON',
    'summary.body_too_deep': '请求体嵌套过深',
    'summary.no_authorization_served': '未加载授权规则集',
    'summary.not_fact_or_batch': '应为一个事实（JSON 对象）或一批事实（JSON 数组）',
    'summary.batch_too_large': '一批 {count} 个事实',
    'summary.invalid_batch': '批中有无效事实（{total} 个中有 {bad} 个）',
    'summary.fact_in_batch': '事实 [{index}]：{summary}',
    'summary.unknown_query': '未知的查询参数：{names}',
    'summary.several_gradings_served': '服务中有多个定级决策：请用 decision= 指定一个',
    'summary.unknown_grading_decision': '未知的定级决策 {decision!r}',
    'summary.unsupported_language': '不支持的语言 {lang!r}',
    'problem.at_most_bytes': '最多 {limit} 字节',
    'problem.send_bearer': '请发送请求头 「Authorization: Bearer TOKEN」',
    'problem.send_fact_or_batch': '请发送一个事实（JSON 对象）或一批事实（由事实组成的 JSON 数组）',
    'problem.undecodable_byte': '第 {start} 字节无法解码（原文：{reason}）',
    'problem.json_syntax': 'JSON 语法错误（原文：{message}）',
    'problem.parser_said': '解析器拒绝（原文：{message}）',
    'problem.trailing_comma': '{bracket} 前有多余的逗号',
    'problem.not_json_number': '{name} 不是 JSON 数字',
    'problem.nested_deeper': 'JSON 嵌套超过 {limit} 层',
    'problem.service_serves': '服务提供的规则集：{ids}',
    'problem.got_json_type': '收到的是 JSON {type}',
    'problem.at_most_facts': '每个请求最多 {limit} 个事实',
    'problem.route_takes': '{kind} 接受的参数：{names}',
    'problem.choose_one': '可选：{choices}',
    'problem.served_decisions': '服务中的定级决策：{ids}',
    # regrade's summary table; serve's start-up and reload lines
    'regrade.level': '级别',
    'regrade.tickets': '工单数',
    'regrade.share': '占比',
    'regrade.graded': '已定级',
    'regrade.invalid': '无效',
    'regrade.see_errors': '（见 {file}）',
    'regrade.ruleset': '规则集 {ruleset}，sha256 {sha256}，用时 {seconds} 秒',
    'serve.needs_extra': "asprules serve 需要 serve 附加组件：pip install 'asprules[serve]'（原文：{error}）",
    'serve.serving': '提供 {kind} 规则集 {id}，版本 {version}，sha256 {sha256}',
    'serve.open_without_tokens': '在 {host} 上监听且未设 Bearer 令牌：任何能访问该端口的人都能请求决策',
    'serve.listening': '正在监听 {url}（重新加载：{reload}）',
    'serve.reload_sighup': 'SIGHUP',
    'serve.reload_polled': 'SIGHUP，或每 {seconds} 秒检查到规则文件有变化时',
    'serve.reloaded': '已重新加载规则（{reason}）：第 {generation} 代，提供 {serving}',
    'serve.reload_failed': '重新加载失败（{reason}）：{error} —— 仍在提供第 {generation} 代：{serving}',
    'serve.kept_tokens': '保留原有的 Bearer 令牌：{error}',
    'summary.cannot_listen': '无法在 {host}:{port} 上监听',
    'problem.os_error.EADDRINUSE': '地址已被占用',
    'problem.os_error.EADDRNOTAVAIL': '无法绑定所请求的地址',
    'summary.cannot_read_tokens': '{file}：无法读取令牌文件',
    'summary.no_token_in_file': '{file}：令牌文件中没有令牌',
    'problem.one_token_a_line': '每行一个令牌',
    'summary.no_token_in_env': '${env} 中没有令牌',
    'problem.set_tokens': '请把 {env} 设为一个或多个令牌，用空格或逗号分隔',
    # the columnar backend (regrade): files and columns that do not fit
    'columnar.what.int': '整数',
    'columnar.what.float': '数字',
    'columnar.what.bool': 'true 或 false',
    'columnar.what.enum': '文本',
    'columnar.what.text': '文本',
    'columnar.what.instant': '带 UTC 偏移的日期时间文本',
    'columnar.what.zone': 'IANA 时区名',
    'columnar.what.window': '每日时间窗 HH:MM-HH:MM',
    'columnar.what.periods': '时期列表 {name, start, end}',
    'problem.missing_column': '缺少列 {name}（{what}，必填）',
    'problem.column_type': '列 {name} 的类型是 {type}，应为 {want}{hint}',
    'problem.naive_datetimes': '；日期时间须带 UTC 偏移（「TIMESTAMP WITH TIME ZONE」 列，或形如 2026-11-18T14:05:00+08:00 的文本）',
    'problem.unknown_struct_field': '结构列 {name} 中有未知字段 {field}',
    'problem.unknown_column': "未知列 {name}：不是故障事实的字段（--ignore-extra-columns 或 extra_columns='ignore' 可略去它）",
    'summary.columns_do_not_fit': '输入的列与故障事实模式不符',
    'summary.unknown_table_format': '未知格式 {format!r}',
    'problem.table_formats': '可选格式：parquet、csv、jsonl',
    'summary.unknown_table_suffix': '{file}：无法判断格式',
    'problem.name_the_suffix': '请用 .parquet、.csv 或 .jsonl 作扩展名（现为 {got}）',
    'problem.no_suffix': '无扩展名',
    'summary.table_not_found': '{file}：未找到',
    'summary.not_parquet': '{file}：不是 Parquet 文件',
    'problem.parquet_magic': 'Parquet 文件以 PAR1 开头和结尾；此文件不是',
    'summary.not_text_table': '{file}：不是 {format} 文件',
    'problem.binary_data': '文件含二进制数据（是 Parquet 吗？）',
    'summary.not_utf8_table': '{file}：不是 UTF-8 文本',
    'summary.not_json_lines': '{file}：不是 JSON Lines',
    'problem.first_record_brace': "第一条记录不以 '{{' 开头",
    'summary.unknown_keys': '{file}：含故障事实没有的键',
    'summary.table_unreadable': '{file}：无法读取',
    'problem.engine_said': 'DuckDB 报告（原文：{message}）',
    'summary.not_a_table': '无法读取此表',
    'problem.table_kinds': '应为 Arrow 表，或 pandas、polars 的数据框；收到 {got}',
    'problem.unknown_key_first': "未知字段 {key}，首见于第 {record} 条记录（--ignore-extra-columns 或 extra_columns='ignore' 可略去它）",
    'summary.not_incident_records': '{file}：不是故障事实的 JSON Lines',
    'problem.record_not_object': '第 {record} 条记录不是 JSON 对象',
    # a rules repository's asprules.toml
    'summary.invalid_config': '{file}：项目配置无效',
    'problem.config_syntax': '不是有效的 TOML（原文：{message}）',
    'problem.config_unknown_key': '未知的键 {key!r}；asprules.toml 可用的键：{keys}',
    'problem.config_needs_rules': '请指明规则：rules = ["rulesets"]（路径相对于此文件）',
    'problem.config_paths': '应为规则文件或目录的列表，路径相对于此文件（现为 {got}）',
    'problem.config_path_missing': '{path!r}：文件或目录不存在（路径相对于此文件）',
    # diff: a changed region, a band and what each version requires there, in words
    'diff.head': '{name}：',
    'diff.change': '{region}：{old} → {new}（{direction}）',
    'words.and': ' 且 ',
    'words.or': ' 或 ',
    'words.not': '不满足 {cond}',
    'words.in': '{name} 属于 {values}',
    'words.not_in': '{name} 不属于 {values}',
    'words.given': '{name} 已给出',
    'words.not_given': '{name} 未给出',
    'words.contains_any': '{name} 含 {values} 中任一项',
    'words.contains': '{name} 含 {member}',
    'words.local_time': '{field} 当地时间',
    'words.local_time_in': '{field} 当地时间在 {within} 内',
    'words.inside_window': '{start}–{end} 在时间窗 {window} 内',
    'words.inside_maintenance_window': '{start}–{end} 在维护窗口内',
    'words.in_sensitive_period': '{what} 处于敏感时期',
    'words.anyone': '任何人',
    'words.as_forms': '，形式 {forms}',
    'words.approval_recorded': '已记录步骤 {step} 的审批（审批人 {by}{forms}）',
    'words.every_incident': '所有故障',
    'words.every_operation': '所有操作',
    'words.parts': '（共 {count} 块）',
    'words.except_where': '（{constraints} 在两个版本中都拒绝之处除外）',
    'words.by_old_rules': '{cond}（按旧规则）',
    'words.by_new_rules': '{cond}（按新规则）',
    'words.req_approval': '步骤 {step} 由 {roles} 审批{forms}',
    'words.req_notice': '提前 {lead} 分钟经 {channel} 通知',
    'words.req_qualification': '工程师资质 ≥ {minimum}',
    'words.req_order': '审批依次为 {steps}',
    'words.no_authorization_witness': '未找到示例操作：按两版各自的要求判断此变更',
    'words.policy_fallback': '未逐区域比较：仅按该步骤的规定判断',
    'words.req_quorum': '{step} 须有 {count} 名不同的审批人',
    'words.req_recipient': '通知 {role}',
    'words.req_separation_requester': '{step} 的审批人不得是申请人',
    'words.req_separation_engineer': '{step} 的审批人不得是工程师',
    'words.req_separation_steps': '同一审批人不得同时计入 {a} 和 {b}',
    'words.req_validity': '{step} 的审批有效期为 {valid}',
    'words.risk_denied_by': '{risk}：被 {constraints} 拒绝',
    'words.no_longer_denied_by': '不再被 {constraint} 拒绝',
    'words.now_denied_by': '被 {constraint} 拒绝',
    'words.also_stricter': '（同时也更严格：见 + 开头的行）',
    'words.band': '{name} 区段',
    'words.band_moved': '{old} → {new} 区段',
    'words.band_changed': '{name} 区段：{what}',
    'words.new_rule': '新规则 {rule}',
    'words.rule_removed': '删除规则 {rule}',
    'words.rule_changed': '规则 {rule} 有变化',
    'words.level_edit': '级别 {old}→{new}',
    'words.default_edit': '默认级别 {old}→{new}',
    'words.condition_edit': '条件 {old} → {new}',
    'words.level': '级别 {id}',
    'words.level_order': '级别顺序',
    'words.ranked_differently': '两个版本对这些级别的排序不同',
    'words.no_table': '（无适用定级表）',
    'words.no_table_decided': '无适用定级表',
    'words.no_witness': '没有示例确认此区段：其中有模型无法判定的条件；门禁仍计入此区段',
    'words.other_combinations': '{first}（另有 {count} 种组合）',
    'words.step': '步骤 {id}',
    'words.requirements': '要求',
    'words.looser': '放宽 {what}',
    'words.stricter': '收紧 {what}',
    'words.policy_separator': '；',
    'words.policy.quorum': '审批人数',
    'words.policy.separation_requester': '与申请人分离',
    'words.policy.separation_engineer': '与工程师分离',
    'words.policy.separation_steps': '与其他步骤分离',
    'words.policy.validity': '审批有效期',
    'words.policy.archive': '归档义务',
    'words.policy.channels_required': '须用的通知渠道',
    'words.policy.recipients': '通知对象',
    'words.policy.lead_time': '{risk} 的提前通知时间',
    'note.authorization_schemas_differ': '两个授权版本依据不同的事实模式决策；请用样本比较（--scenarios）',
}

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}

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


def name(value: _Named | None, lang: str) -> str:
    """A ruleset's own name for something: ``en (zh)`` in English, the Chinese name in Chinese.

    A name without a Chinese form stays English in both: the ruleset is the only source
    of domain terms, and a machine translation of 一级重大故障 would be worse than none.
    """
    if value is None:
        return ""
    if check_language(lang) == "zh":
        return value.zh or value.en
    return f"{value.en} ({value.zh})" if value.zh else value.en


class Said(str):
    """A message of ours: its English text (it *is* that string, so code that prints,
    compares or stores the English keeps working), with its catalog key and the values it
    was made with, to render it again in any language."""

    key: str
    params: tuple[tuple[str, object], ...]

    def __new__(cls, key: str, params: tuple[tuple[str, object], ...], english: str) -> Said:
        out = super().__new__(cls, english)
        out.key, out.params = key, params
        return out

    def __reduce__(self):  # pickled (a process pool) as what it is
        return (Said, (self.key, self.params, str(self)))

    @property
    def english(self) -> str:
        return str.__str__(self)

    @property
    def code(self) -> str:
        """The key without its section (``problem.undefined_step`` → ``undefined_step``): a problem's code."""
        return self.key.partition(".")[2]

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return CATALOGS[check_language(lang)][self.key].format(**_rendered(self.params, lang))


class Worded(Said):
    """Words made in every language at once (a region of the box model, a condition, what a
    version requires there): text assembled from catalog pieces by code that takes a
    ``lang``, so it cannot be one key with values. Like :class:`Said` it *is* its English
    text, and :meth:`render` gives the others; a message may take it as a value."""

    texts: Mapping[str, str]

    def __new__(cls, texts: Mapping[str, str]) -> Worded:
        out = super().__new__(cls, "", (), texts[DEFAULT_LANGUAGE])
        out.texts = dict(texts)
        return out

    def __reduce__(self):
        return (Worded, (self.texts,))

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.texts[check_language(lang)]


def worded(make: Callable[[str], str]) -> Worded:
    """``make(lang)`` for every language, kept as one :class:`Worded` text."""
    return Worded({lang: make(lang) for lang in LANGUAGES})


def in_lang(value: object, lang: str) -> str:
    """``value`` in ``lang``: a :class:`Said` (or :class:`Worded`) rendered, anything else as text."""
    return value.render(lang) if isinstance(value, Said) else str(value)


def _rendered(params: tuple[tuple[str, object], ...], lang: str) -> dict[str, object]:
    """The values of a message, with messages nested in it rendered in ``lang``."""
    return {k: v.render(lang) if isinstance(v, Said) else v for k, v in params}


def said(key: str, /, **params: object) -> Said:
    """The catalog message ``key`` made with ``params`` (kept as text, so the message can be
    rendered again in any language from the same values), and its English text. A value
    may itself be a :class:`Said` (a reason inside a message): it is rendered in the same
    language as the message around it."""
    plain = tuple((k, v if isinstance(v, Said) else printable(v) if isinstance(v, str) else str(v)) for k, v in params.items())
    return Said(key, plain, EN[key].format(**_rendered(plain, "en")))  # type: ignore[arg-type]


def problem(key: str, path: tuple[str | int, ...] = (), /, *, file: str | None = None, line: int | None = None, column: int | None = None, **params: object) -> Problem:
    """A :class:`Problem` whose message is the catalog entry ``problem.<key>``; its ``code``
    is ``key``, so :func:`problem_text` renders it in any language."""
    message = said(f"problem.{key}", **params)
    return Problem(message.english, path=path, file=file, line=line, column=column, code=key, params=message.params)


def error(kind: type[AspRulesError], key: str, problems: Iterable[Problem] = (), /, **params: object) -> AspRulesError:
    """An error of ``kind`` whose summary is the catalog entry ``summary.<key>``."""
    summary = said(f"summary.{key}", **params)
    return kind(summary.english, problems, code=key, params=summary.params)


class LocalValueError(ValueError):
    """A ``ValueError`` whose text is the catalog entry ``problem.<key>``: raised by
    validators (pydantic keeps the exception, :func:`~asprules.source.problems_from_validation`
    takes the key) and by the clock and calendar parsers, whose messages become problems."""

    def __init__(self, key: str, /, **params: object):
        self.said = said(f"problem.{key}", **params)
        self.key = key
        super().__init__(self.said.english)

    def problem(self, path: tuple[str | int, ...] = (), **where: object) -> Problem:
        return Problem(self.said.english, path=path, code=self.key, params=self.said.params, **where)  # type: ignore[arg-type]


def os_problem(exc: OSError, /, **where: object) -> Problem:
    """The system's reason for ``exc``: a catalog message for the errno names we know
    (``ENOENT``, ``EADDRINUSE`` …), else the C library's words as they are."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    if f"problem.os_error.{name}" in EN:
        return problem(f"os_error.{name}", **where)  # type: ignore[arg-type]
    return problem("os_error", reason=exc.strerror or str(exc), **where)  # type: ignore[arg-type]


def reason(exc: BaseException) -> Said | str:
    """What an exception from a parser says: its catalog message when it has one."""
    return exc.said if isinstance(exc, LocalValueError) else str(exc)


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
        return catalog[key].format(**_rendered(params, lang))
    return message


def problem_message(problem: Problem, lang: str) -> str:
    """A problem's message alone (no place), translated when known."""
    key = f"problem.{problem.code}" if problem.code else None
    if check_language(lang) == "en" or key not in ZH:
        return problem.message
    if key in EN:  # a message of ours: rendered again from the values it was made with
        shown = ZH[key].format(**_rendered(problem.params, "zh"))
    else:  # pydantic's: the Chinese for its error type, with the values of its context
        context = {k: v.replace("' or '", "'、'").replace("', '", "'、'") if isinstance(v, str) else v for k, v in problem.params}
        shown = ZH[key].format(english=problem.message, **context)
    got = problem.message.rfind(" (got ")
    if got >= 0 and key not in EN and "{english}" not in ZH[key]:  # keep the offending value pydantic reported; it is not English
        shown += ZH["problem.got"].format(value=problem.message[got + len(" (got ") : -1])
    return shown


def problem_text(problem: Problem, lang: str) -> str:
    """One problem as ``file:line:col: field: message``, its message translated when known."""
    key = f"problem.{problem.code}" if problem.code else None
    if check_language(lang) == "en" or key not in ZH:
        return str(problem)
    shown = problem_message(problem, lang)
    if not problem.location:
        return f"{problem.field}: {shown}" if problem.path else shown
    field = f" {problem.field}:" if problem.path else ""
    return f"{problem.location}:{field} {shown}"


# Chinese-only entries: pydantic's error types (its English is its own message, and the
# values in its context fill the Chinese), and messages whose English is made where they
# are raised.
PYDANTIC_TYPES = (
    "missing", "extra_forbidden", "bool_type", "int_type", "int_from_float", "float_type", "string_type", "list_type",
    "dict_type", "model_type", "datetime_parsing", "datetime_type", "timezone_aware", "string_too_short", "literal_error",
    "enum", "greater_than", "greater_than_equal", "less_than", "less_than_equal", "string_pattern_mismatch", "too_short",
    "too_long", "value_error", "union_tag_invalid", "condition_shape", "document_kind",
)  # fmt: skip
ENGLISH_ELSEWHERE: frozenset[str] = frozenset(
    [f"problem.{t}" for t in PYDANTIC_TYPES] + ["problem.got", "problem.wrong_kind", "summary.invalid_fact"]
)

FACES = ("python", "cli")


def hints(key: str) -> dict:
    """``hints=`` and ``hint_key=`` for :class:`~asprules.errors.BackendUnavailable`: what
    to do instead, in English, worded for Python and for the command line."""
    return {"hints": {face: EN[f"{key}.{face}"] for face in FACES}, "hint_key": key}


def summary_text(exc: AspRulesError, lang: str) -> str:
    """An error's summary in ``lang``: its catalog message, or its English with the kind of
    error said in ``lang`` around it."""
    kind = f"error.{type(exc).__name__}"
    catalog = CATALOGS[check_language(lang)]
    code = getattr(exc, "code", None)
    if code and f"summary.{code}" in catalog and f"summary.{code}" in EN:  # a summary of ours says what went wrong itself
        return catalog[f"summary.{code}"].format(**_rendered(exc.params, lang))
    said = catalog[f"summary.{code}"].format(**dict(exc.params)) if code and f"summary.{code}" in catalog else exc.summary
    return catalog.get(kind, "{summary}").format(summary=said)


def error_json(exc: AspRulesError, lang: str = DEFAULT_LANGUAGE) -> dict:
    """``exc.to_json()`` with its summary and its problems' messages in ``lang`` (English:
    exactly ``to_json()``); every other key, the codes and the places, as they are."""
    out = exc.to_json()
    if check_language(lang) == DEFAULT_LANGUAGE:
        return out
    out["summary"] = summary_text(exc, lang)
    out["problems"] = [{**shown, "message": problem_message(p, lang)} for p, shown in zip(exc.problems, out["problems"])]
    return out


def error_text(exc: AspRulesError, lang: str, face: str = "cli") -> str:
    """The whole error as the command line prints it (``face="python"``: with hints
    worded for Python)."""
    catalog = CATALOGS[check_language(lang)]
    lines = [text("error", lang, summary=summary_text(exc, lang))]
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
