"""Generate reference pages from the code, so they cannot drift from it.

    python -m asprules.docgen facts > docs/facts.md

Types, required-ness, limits and allowed values come from the pydantic fact models;
the one-line meanings come from a model field's ``description`` or, for fields without
one, from :data:`MEANINGS` below. A test regenerates the page and compares it with the
committed file, and checks that every field has a meaning and no meaning is stale.
"""

from __future__ import annotations

import sys
import typing
from datetime import datetime
from typing import Literal, Sequence

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import AwareDatetime, BaseModel

from .facts.fields import INCIDENT_FIELDS, OPERATION_FIELDS, FieldType, unwrap
from .facts.models import Approval, Confirmation, Customer, Engineer, Incident, Notification, Operation, SensitivePeriod

FACT_MODELS: tuple[type[BaseModel], ...] = (Incident, Operation, Customer, SensitivePeriod, Engineer, Approval, Notification, Confirmation)

MEANINGS: dict[str, str] = {
    "Engineer": "The engineer who performs an operation.",
    "Incident.id": "The ticket's identifier; echoed in every decision.",
    "Incident.environment": "Which grading table applies: production (§34.2.2) or office (§34.2.3).",
    "Incident.started_at": "When the fault began. Local-time rules read it in the customer's time zone.",
    "Incident.recovered_at": "When service was restored; absent while the fault is still open.",
    "Incident.affected_users": "How many users lost service.",
    "Incident.affected_users_pct": "The same as a percentage of the customer's users.",
    "Incident.affected_sites": "How many customer sites (局点) were affected.",
    "Incident.core_service": "Whether a core service was interrupted.",
    "Incident.data_loss": "Whether customer data was lost.",
    "Incident.security_breach": "Whether a security breach was confirmed.",
    "Incident.vip_customer": "Whether the customer is a VIP customer (重要客户).",
    "Incident.customer_complaint": "Whether the customer lodged a formal complaint.",
    "Incident.site": "The site's name, for the record; no bundled rule reads it.",
    "Incident.customer": "The customer's profile: time zone, maintenance window, sensitive periods.",
    "Operation.id": "The ticket's identifier; echoed in every decision.",
    "Operation.kind": "What is done; the bundled risk classes read it.",
    "Operation.major_impact": "Whether the operation may have a major impact on service (§1.4.3).",
    "Operation.modifies": "What it changes on the customer's devices (§1.4.2); empty when nothing.",
    "Operation.remote": "Whether it is done through remote access (§1.7.1).",
    "Operation.remote_scope": "The scope of operations stated in the remote-access request (§1.7.1).",
    "Operation.third_party": "Whether a third-party vendor operates (§1.7.4).",
    "Operation.customer_present": "Whether the customer is present during the operation.",
    "Operation.other_vendor_equipment": "Whether other vendors' or unrelated equipment is touched (§3.2.6).",
    "Operation.within_approved_scope": "Whether it stays within the customer's approved procedure (§3.2.8).",
    "Operation.scheduled_start": "When the operation is planned to start.",
    "Operation.scheduled_end": "When it is planned to end; after the start.",
    "Operation.engineer": "Who performs it, with their qualification level (§8).",
    "Operation.approvals": "Approvals granted so far, each naming a step of the chain.",
    "Operation.notifications": "Operation notices sent so far (§32).",
    "Operation.emergency": "Whether the operation is an emergency (the §1.4.4 emergency path).",
    "Operation.requester": "Who requested the operation; separation of duties keeps them from approving it.",
    "Operation.confirmations": "Obligations of an earlier decision done, each naming the obligation's id.",
    "Operation.laptop_on_customer_network": "Whether the engineer's own laptop is connected to the customer's network (§1.4.1).",
    "Operation.designated_port_and_ip": "Whether the customer designated the port and IP address for that laptop (§1.4.1).",
    "Operation.credentials_via": "How remote-access credentials reached the engineer (§1.7.3).",
    "Approval.archive_ref": "Where the permission is archived in the site-information system (§1.4.7).",
    "Notification.role": "The recipient's role, for notifications that name recipients by role.",
    "Confirmation.obligation": "The id of the obligation done (as in the decision's obligations).",
    "Confirmation.by": "Who did it.",
    "Confirmation.at": "When it was done; it meets the obligation if not after its deadline.",
    "Operation.site": "The site's name, for the record; no bundled rule reads it.",
    "Operation.customer": "The customer's profile: time zone, maintenance window, sensitive periods.",
    "Customer.id": "The customer's identifier.",
    "Customer.timezone": "IANA time-zone name (e.g. Asia/Shanghai); absent: the ruleset's default.",
    "Customer.maintenance_window": "Daily window as HH:MM-HH:MM, may cross midnight; absent: the ruleset's default.",
    "Customer.sensitive_periods": "The customer's own sensitive periods, added to the ruleset's calendars.",
    "SensitivePeriod.name": "What the period is (a holiday, a meeting…).",
    "SensitivePeriod.start": "When it starts.",
    "SensitivePeriod.end": "When it ends; after the start.",
    "Engineer.id": "The engineer's identifier.",
    "Approval.step": "Which step of the chain it grants (an id from the ruleset's steps).",
    "Approval.by": "Who granted it.",
    "Approval.role": "In which role (an id from the ruleset's roles).",
    "Approval.at": "When it was granted; must be before the scheduled start.",
    "Approval.evidence": "The written form of the permission (§1.3.5); steps may require certain forms.",
    "Notification.channel": "How the notice went out (§32.1 email, §32.2 SMS).",
    "Notification.to": "To whom.",
    "Notification.at": "When it was sent.",
}


def _type_text(annotation) -> str:
    annotation, _, _ = unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(annotation))
    if origin is tuple:
        return "list of " + _type_text(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if annotation is AwareDatetime or annotation is datetime:
        return "date-time with offset"
    return {bool: "boolean", int: "integer", float: "number", str: "text"}[annotation]


def _limits(metadata: list) -> str:
    low = next((m.ge for m in metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, Le)), None)
    short = next((m.min_length for m in metadata if isinstance(m, MinLen)), None)
    long = next((m.max_length for m in metadata if isinstance(m, MaxLen)), None)
    parts = []
    if low is not None or high is not None:
        parts.append(f"{low if low is not None else ''}…{high if high is not None else ''}")
    if short is not None or long is not None:
        parts.append(f"{short or 0}–{long if long is not None else '∞'} characters")
    return "; ".join(parts)


def meaning(model: type[BaseModel], field: str) -> str | None:
    description = model.model_fields[field].description
    return description or MEANINGS.get(f"{model.__name__}.{field}")


def _model_section(model: type[BaseModel]) -> list[str]:
    hints = typing.get_type_hints(model, include_extras=True)
    summary = (model.__doc__ or "").strip().splitlines() or [MEANINGS[model.__name__]]
    lines = [f"## {model.__name__}", "", summary[0], ""]
    lines += ["| field | type | required | limits | meaning |", "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        _, _, metadata = unwrap(hints[name])
        metadata += list(info.metadata)
        if info.is_required():
            required = "yes"
        elif info.default in (None, ()):
            required = "no"
        else:
            required = f"no (default `{str(info.default).lower() if isinstance(info.default, bool) else info.default}`)"
        lines.append(f"| `{name}` | {_type_text(hints[name])} | {required} | {_limits(metadata)} | {meaning(model, name) or ''} |")
    return lines + [""]


def _catalog_section(title: str, catalog: dict[str, FieldType]) -> list[str]:
    lines = [f"### {title}", "", "| field | kind | may be absent |", "|---|---|---|"]
    for name, ftype in sorted(catalog.items()):
        lines.append(f"| `{name}` | {ftype.describe()} | {'yes' if ftype.optional else ''} |")
    return lines + [""]


def facts_page() -> str:
    lines = [
        "# Fact reference",
        "",
        "<!-- Generated by `python -m asprules.docgen facts > docs/facts.md`; do not edit by hand. -->",
        "",
        "What a ticketing system sends: an **incident** to grade or an **operation** to authorize,",
        "as a mapping (a dict, or a YAML/JSON file). The models are strict where a loose reading",
        "would change a decision: booleans must be booleans (`\"false\"` is not false), numbers must",
        "be numbers, date-times must carry an offset (`2026-11-18T14:05:00+08:00`), unknown fields",
        "are refused, and every impact measure must be given — a missing one is an error, never a",
        "silent zero. Every problem is reported at once, with its field.",
        "",
    ]
    for model in FACT_MODELS:
        lines += _model_section(model)
    lines += [
        "## Fields a condition may name",
        "",
        "Rulesets compare these fields (see [ruleset-format.md](ruleset-format.md)). Nested fields",
        "are dotted paths; lists of records (approvals, notifications) are reached by their own",
        "conditions (`has_approval`) and steps. A grading or authorization ruleset may add",
        "`derived` values to these.",
        "",
    ]
    lines += _catalog_section("Incident", INCIDENT_FIELDS)
    lines += _catalog_section("Operation", OPERATION_FIELDS)
    return "\n".join(lines).rstrip("\n") + "\n"


PAGES = {"facts": facts_page}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in PAGES:
        print(f"usage: python -m asprules.docgen {{{','.join(PAGES)}}}", file=sys.stderr)
        return 2
    sys.stdout.write(PAGES[args[0]]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
