"""The peer benchmark runs, and every engine it can import agrees with asprules."""

from __future__ import annotations

import importlib.util
import sys

from support import REPO, RETE_MISSING, RETE_REQUIRED


def load(name: str):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module
    finally:
        sys.path.remove(str(REPO / "benchmarks"))


def test_peers_agree_on_both_tables(capsys):
    load("peers").main(["--facts", "400", "--slow-facts", "150", "--slow-facts-synthetic", "60"])
    out = capsys.readouterr().out
    assert "shipped production table" in out and "synthetic 1,000-row table" in out
    durable = RETE_MISSING is None or RETE_REQUIRED  # the rete extra installs it on 3.11 and 3.12
    assert out.count("durable-rules (JSON ruleset, post)") == (2 if durable else 0)
    assert out.count("hand-written Python if-chain") == 2


def test_declared_schema_benchmark_runs_and_both_sides_agree(capsys):
    ratios = load("declared_schema").main(["--facts", "300", "--repeat", "2"])
    assert set(ratios) == {"grade", "validate + grade"} and all(lo <= med for lo, med in ratios.values())
    assert "ratio declared / built-in" in capsys.readouterr().out


def test_regrade_benchmark_runs_and_agrees_with_the_per_record_path(capsys):
    import pytest

    pytest.importorskip("duckdb")
    ratios = load("regrade").main(["--facts", "3000", "--sample", "500", "--repeat", "1"])
    assert set(ratios) == {"per-record (JSONL)", "Parquet -> Parquet", "JSONL -> Parquet", "JSONL, keys unchecked", "evaluation alone", "hand-written SQL"}
    assert ratios["per-record (JSONL)"] == 1.0
    out = capsys.readouterr().out
    assert "ratio (median)" in out and "evaluation alone / hand-written SQL" in out


def test_service_benchmark_runs_with_no_error(capsys):
    import pytest

    pytest.importorskip("uvicorn", reason="the serve extra")
    figures = load("service").main(["--clients", "2", "--requests", "40", "--repeat", "1"])
    assert {"requests/s", "p50 ms", "p99 ms", "ratio"} <= set(figures) and figures["requests/s"][0] > 0
    assert "no error" in capsys.readouterr().out
