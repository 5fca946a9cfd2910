"""Fact builders and small-ruleset helpers shared by the tests."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import asprules

REPO = Path(__file__).resolve().parent.parent
RULESETS = REPO / "rulesets"


def _rete_missing() -> str | None:
    """Why the Rete backend cannot run here, or None when it can."""
    try:
        importlib.import_module("durable.engine")
    except Exception as exc:  # ImportError, or the C core's undefined symbols on 3.13
        return f"{type(exc).__name__}: {exc}"
    return None


RETE_MISSING = _rete_missing()
# .ci/run sets ASPRULES_REQUIRE_RETE=1 where it installs the rete extra (the oldest Python):
# there a missing durable-rules fails the Rete tests instead of skipping them.
RETE_REQUIRED = os.environ.get("ASPRULES_REQUIRE_RETE") == "1"
RETE_SKIP_REASON = (
    f"durable-rules is not importable on Python {sys.version_info.major}.{sys.version_info.minor} ({RETE_MISSING}); "
    "the rete extra installs it on CPython 3.11 and 3.12: pip install -e '.[test,rete]'"
)
needs_rete = pytest.mark.skipif(RETE_MISSING is not None and not RETE_REQUIRED, reason=RETE_SKIP_REASON)


def incident(**over: Any) -> dict[str, Any]:
    """A production incident that grades ``none`` unless the overrides say otherwise."""
    base: dict[str, Any] = {
        "id": "INC-T",
        "environment": "production",
        "started_at": "2026-11-18T14:00:00+08:00",
        "outage_minutes": 5,
        "affected_users": 10,
        "affected_users_pct": 1,
        "affected_sites": 1,
        "core_service": False,
        "data_loss": False,
        "security_breach": False,
        "vip_customer": False,
        "customer_complaint": False,
    }
    base.update(over)
    return base


def approval(step: str, role: str, at: str, evidence: str | None = None, by: str = "someone") -> dict[str, Any]:
    out = {"step": step, "by": by, "role": role, "at": at}
    if evidence is not None:
        out["evidence"] = evidence
    return out


FULL_CHAIN = [
    approval("management", "service_manager", "2026-11-25T10:00:00+08:00"),
    approval("technical", "technical_authorization_team", "2026-11-26T10:00:00+08:00"),
    approval("customer", "customer", "2026-11-27T10:00:00+08:00", "fax"),
]
NOTICES = [
    {"channel": "email", "to": "noc@example.com", "at": "2026-11-28T10:00:00+08:00"},
    {"channel": "sms", "to": "+86-1", "at": "2026-11-28T10:00:00+08:00"},
]


def operation(**over: Any) -> dict[str, Any]:
    """A high-risk cutover inside the default window with the whole chain: authorized."""
    base: dict[str, Any] = {
        "id": "OP-T",
        "kind": "cutover",
        "major_impact": True,
        "modifies": ["program"],
        "remote": False,
        "third_party": False,
        "customer_present": True,
        "other_vendor_equipment": False,
        "within_approved_scope": True,
        "scheduled_start": "2026-12-02T01:00:00+08:00",
        "scheduled_end": "2026-12-02T03:00:00+08:00",
        "engineer": {"id": "E1", "qualification": 4},
        "approvals": list(FULL_CHAIN),
        "notifications": list(NOTICES),
    }
    base.update(over)
    return base


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


LEVELS = """
levels:
  - {id: L1, name: one}
  - {id: L2, name: two}
  - {id: L3, name: three}
  - {id: none, name: not major, major: false}
"""


def grading_text(rows: str, *, policy: str = "first", adjustments: str = "", extra: str = "") -> str:
    """A one-table grading ruleset; ``rows`` and ``adjustments`` are YAML list bodies."""
    text = (
        "asprules: 1\nkind: grading\nid: t\n"
        + LEVELS.lstrip("\n")
        + extra
        + f"tables:\n  - id: t\n    cite: §34.2.2\n    hit_policy: {policy}\n    default: none\n    rows:\n"
        + textwrap.indent(textwrap.dedent(rows).strip("\n"), "      ")
        + "\n"
    )
    if adjustments:
        text += "adjustments:\n" + textwrap.indent(textwrap.dedent(adjustments).strip("\n"), "  ") + "\n"
    return text


def grading_rules(tmp_path: Path, rows: str, **kw: str) -> asprules.Rulebook:
    path = tmp_path / "grading.yaml"
    path.write_text(grading_text(rows, **kw), encoding="utf-8")
    return asprules.load_rulesets(path)


def row(ident: str, level: str, when: str) -> str:
    return f"- {{id: {ident}, level: {level}, cite: §34.2.2, provenance: assumed, basis: test, when: {when}}}\n"
