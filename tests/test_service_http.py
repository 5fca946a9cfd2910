"""``asprules serve`` as a real process on 127.0.0.1, over HTTP.

Every bundled example and scenario decides through HTTP exactly as through the library;
a bounded load test finishes with no error; a reload during load loses no request and
every response names one of the two rulesets; a malformed change never serves a
half-loaded rulebook; /healthz answers while a large batch is being decided.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the serve extra (pip install -e '.[test,serve]'; .ci/run installs it)")
pytest.importorskip("uvicorn")

import asprules
from asprules.checks.scenarios import load_scenario_file
from asprules.cli.decide import decision_payload
from asprules.decide import fact_parser
from service_support import Server, fact_file, plain, samples
from support import REPO, RULESETS

TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
INCIDENTS = sorted((REPO / "examples" / "incidents").glob("*.yaml"))
OPERATIONS = sorted((REPO / "examples" / "operations").glob("*.yaml"))
SCENARIO_FILES = sorted((REPO / "examples").rglob("*.scenarios.yaml"))
# The organization examples: a rules/ directory, fact files beside it (docs/fact-schemas.md).
ORGANIZATIONS = sorted(p.parent for p in (REPO / "examples").glob("*/rules"))
OWN = REPO / "examples" / "sre"


@pytest.fixture(scope="module")
def log_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("serve") / "decisions.jsonl"


@pytest.fixture(scope="module")
def bundled(log_file):
    with Server(
        "--rules", str(RULESETS), "--token-env", "ASPRULES_TEST_TOKENS", "--log", str(log_file), "--log-mask", "approvals.by",
        "--max-batch", "20000", "--max-body", str(16 << 20),
        env={"ASPRULES_TEST_TOKENS": f"other-token, {TOKEN}"},
    ) as server:
        yield server


@pytest.fixture(scope="module")
def rules():
    return asprules.load_rulesets(RULESETS)


def library(kind: str, data: dict, rules, decision: str | None = None) -> tuple[int, dict]:
    """What the library decides for the JSON a client sends: (HTTP status it maps to, body)."""
    evaluator = rules.decision(decision) if kind == "grade" else rules.authorization
    try:
        fact = fact_parser(evaluator)(data)
        if kind == "grade":
            decision = asprules.grade(fact, rules, decision=decision)
        else:
            decision = asprules.authorize(fact, rules)
    except asprules.AspRulesError as exc:
        return 422, exc.to_json()
    return 200, decision_payload(fact, decision)


def test_every_example_decides_through_http_as_through_the_library(bundled, rules, log_file):
    with bundled.client(headers=AUTH) as client:
        for kind, files in (("grade", INCIDENTS), ("authorize", OPERATIONS)):
            for path in files:
                data = fact_file(path)
                r = client.post(f"/v1/{kind}", json=data)
                assert (r.status_code, r.json()) == library(kind, data, rules), path.name
                assert r.headers["x-asprules-ruleset-sha256"] == r.json()["ruleset"]["sha256"]
                assert len(r.headers["x-asprules-decision-id"]) == 32  # the decision log's id of this decision
            batch = [fact_file(p) for p in files]
            r = client.post(f"/v1/{kind}", json=batch)
            assert r.status_code == 200
            assert r.json() == {"decisions": [library(kind, d, rules)[1] for d in batch]}
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 2 * (len(INCIDENTS) + len(OPERATIONS))
    ops = [line for line in lines if line["kind"] == "authorize" and line["input"].get("approvals")]
    assert ops and all(a["by"] == "[masked]" for line in ops for a in line["input"]["approvals"])
    assert {line["ruleset"]["sha256"] for line in lines} == {rules.grading.ref.sha256, rules.authorization.ref.sha256}


def test_http_answers_what_the_cli_prints_with_format_json(bundled, capsys):
    from asprules.cli import main

    path = INCIDENTS[0]
    assert main(["grade", str(path), "--rules", str(RULESETS), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with bundled.client(headers=AUTH) as client:
        assert client.post("/v1/grade", json=fact_file(path)).json() == printed


def _scenario_facts(path: Path):
    loaded = load_scenario_file(path)
    for scenario in loaded.spec.scenarios:
        data = plain({**loaded.spec.base.get(scenario.type, {}), **scenario.given})
        kind = "grade" if scenario.type == "incident" else "authorize"
        decision = (scenario.decision or loaded.spec.decision) if kind == "grade" else None
        yield kind, scenario.name, data, loaded.rules, decision


def _post(client, kind: str, data, decision: str | None):
    return client.post(f"/v1/{kind}", json=data, params={"decision": decision} if decision else None)


@pytest.fixture(scope="module")
def servers(bundled):
    """A server per set of rule paths (the bundled rules: the module's token-checking one)."""
    started: dict[tuple[Path, ...], Server] = {(RULESETS.resolve(),): bundled}

    def server_for(paths: tuple[Path, ...]) -> Server:
        if paths not in started:
            started[paths] = Server(*(arg for p in paths for arg in ("--rules", str(p))))
        return started[paths]

    yield server_for
    for server in started.values():
        if server is not bundled:
            server.stop()


def _rule_paths(scenario_file: Path) -> tuple[Path, ...]:
    rules = load_scenario_file(scenario_file).spec.rules
    names = [] if rules is None else [rules] if isinstance(rules, str) else rules
    return tuple((scenario_file.parent / n).resolve() for n in names)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.relative_to(REPO / "examples").as_posix())
def test_every_bundled_scenario_decides_through_http_as_through_the_library(servers, path):
    with servers(_rule_paths(path)).client(headers=AUTH) as client:
        for kind, name, data, rules, decision in _scenario_facts(path):
            r = _post(client, kind, data, decision)
            assert (r.status_code, r.json()) == library(kind, data, rules, decision), name


@pytest.mark.parametrize("example", ORGANIZATIONS, ids=lambda p: p.name)
def test_every_organization_example_fact_decides_through_http_as_through_the_library(servers, example):
    rules_dir = (example / "rules").resolve()
    rules = asprules.load_rulesets(rules_dir)
    facts = [p for p in example.rglob("*.yaml") if rules_dir not in p.resolve().parents and not p.name.endswith(".scenarios.yaml")]
    assert facts, example
    with servers((rules_dir,)).client(headers=AUTH) as client:
        for path in facts:
            data = fact_file(path)
            asks = [("grade", d) for d in rules.decisions] if rules.decisions else [("authorize", None)]
            for kind, decision in asks:
                r = _post(client, kind, data, decision)
                assert (r.status_code, r.json()) == library(kind, data, rules, decision), (path.name, decision)
                assert r.status_code == 200, r.text


def test_an_organizations_declared_schema_and_several_decisions_are_served_and_described(servers):
    with servers(((OWN / "rules").resolve(),)).client() as client:
        rules = asprules.load_rulesets(OWN / "rules")
        assert len(rules.decisions) == 2
        for kind, name, data, _, decision in _scenario_facts(OWN / "sre.scenarios.yaml"):
            r = _post(client, kind, data, decision)
            assert (r.status_code, r.json()) == library(kind, data, rules, decision), name
        data = fact_file(OWN / "inc-1042.yaml")
        for decision in rules.decisions:
            assert _post(client, "grade", data, decision).json() == library("grade", data, rules, decision)[1]
        r = client.post("/v1/grade", json=data)  # several decisions served: the request must name one
        assert r.status_code == 400 and r.json()["problems"][0]["field"] == "decision"
        assert all(d in r.json()["problems"][0]["message"] for d in rules.decisions)
        doc = client.get("/v1/openapi.json").json()
        fact = doc["components"]["schemas"][rules.decision(rules.decisions[0]).ctx.schema.model.__name__]
        assert {"impact", "urgency", "users_affected_pct"} <= set(fact["properties"])  # the organization's own fields
        param, *lang = doc["paths"]["/v1/grade"]["post"]["parameters"]
        assert param["name"] == "decision" and [p["name"] for p in lang] == ["lang", "Accept-Language"]
        assert param["required"] is True and param["schema"]["enum"] == list(rules.decisions)
        assert "/v1/authorize" not in doc["paths"]  # no authorization ruleset loaded
        r = client.post("/v1/authorize", json={"id": "x"})
        assert r.status_code == 404 and r.json()["error"] == "RulesetError"
        listed = client.get("/v1/rulesets").json()["rulesets"]
        assert [(r["kind"], r["id"], r["facts"]) for r in listed] == [("grading", d, "sre-incident") for d in rules.decisions]


def test_tokens_are_required_except_for_probes(bundled):
    with bundled.client() as client:
        r = client.post("/v1/grade", json=fact_file(INCIDENTS[0]))
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer" and r.json()["error"] == "Unauthorized"
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/v1/rulesets", headers={"Authorization": "Bearer other-token"}).status_code == 200
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["status"] == "ready"


def test_a_bounded_load_finishes_with_no_error(bundled, rules):
    clients, per_client = 8, 100  # benchmarks/service.py runs 8 x 2,000
    facts = [("grade", fact_file(p)) for p in INCIDENTS] + [("authorize", fact_file(p)) for p in OPERATIONS]
    expected = [library(kind, data, rules)[1] for kind, data in facts]
    failures: list[str] = []

    def run(offset: int) -> None:
        with bundled.client(headers=AUTH) as client:
            for i in range(per_client):
                k = (offset + i) % len(facts)
                kind, data = facts[k]
                try:
                    r = client.post(f"/v1/{kind}", json=data)
                    if r.status_code != 200 or r.json() != expected[k]:
                        failures.append(f"{kind} {data['id']}: {r.status_code} {r.text[:200]}")
                except Exception as exc:  # noqa: BLE001 - every failure is the finding
                    failures.append(f"{kind} {data['id']}: {exc!r}")

    with bundled.client(headers=AUTH) as client:
        before = samples(client.get("/metrics").text)
    threads = [threading.Thread(target=run, args=(n * 7,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    with bundled.client(headers=AUTH) as client:
        after = samples(client.get("/metrics").text)
    for route in ("grade", "authorize"):
        key = f'asprules_requests_total{{route="{route}",status="200"}}'
        served = after[key] - before.get(key, 0)
        count = f'asprules_request_duration_seconds_count{{route="{route}"}}'
        assert served == sum(1 for n in range(clients) for i in range(per_client) if facts[(n * 7 + i) % len(facts)][0] == route)
        assert after[count] - before.get(count, 0) >= served


def test_healthz_answers_while_a_large_batch_is_decided(bundled):
    batch = [dict(fact_file(INCIDENTS[0]), id=f"B-{i}") for i in range(3000)]
    body = json.dumps(batch).encode()
    result: dict = {}

    def post() -> None:
        with bundled.client(headers={**AUTH, "Content-Type": "application/json"}) as client:
            r = client.post("/v1/grade", content=body)
            result["status"], result["count"], result["done"] = r.status_code, len(r.json()["decisions"]), time.monotonic()

    worker = threading.Thread(target=post)
    worker.start()
    in_flight = 'asprules_requests_in_flight{route="grade"}'
    with bundled.client(headers=AUTH) as client:
        deadline = time.monotonic() + 10
        while samples(client.get("/metrics").text).get(in_flight, 0) < 1:
            assert time.monotonic() < deadline, "the batch never arrived"
            time.sleep(0.005)
        time.sleep(0.2)  # the body is read by now; the batch is being decided in a worker thread
        started = time.monotonic()
        assert client.get("/healthz").status_code == 200
        answered = time.monotonic()
        still = samples(client.get("/metrics").text)[in_flight]
    worker.join(60)
    assert result["status"] == 200 and result["count"] == 3000
    assert still >= 1 and answered < result["done"], "the batch had finished: the probe proves nothing"
    assert answered - started < 2.0, f"/healthz took {answered - started:.3f}s while the batch was decided"


# -- hot reload -------------------------------------------------------------------------------


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULESETS, target)
    return target


def _replace(path: Path, text: str) -> None:
    """Write a file the way a deployment should: a new file renamed over the old one."""
    new = path.with_name(f".{path.name}.new")
    new.write_text(text, encoding="utf-8")
    new.replace(path)


def _bumped(text: str, version: str) -> str:
    assert '\nversion: "2.0-ref.1"' in text or "\nversion: 2.0-ref.1" in text
    return text.replace('\nversion: "2.0-ref.1"', f'\nversion: "{version}"').replace("\nversion: 2.0-ref.1", f"\nversion: {version}")


def _sha_of(rules_dir: Path, tmp_path: Path, changes: dict[str, str]) -> str:
    scratch = tmp_path / f"sha-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(rules_dir, scratch)
    for name, text in changes.items():
        (scratch / name).write_text(text, encoding="utf-8")
    return asprules.load_rulesets(scratch).grading.ref.sha256


class Hammer:
    """Clients posting one incident again and again; every answer's status and ruleset sha256 kept per client."""

    def __init__(self, server: Server, clients: int = 4):
        self.server = server
        self.stop = threading.Event()
        self.seen: list[list[tuple[int, str]]] = [[] for _ in range(clients)]
        self.errors: list[str] = []
        self.fact = fact_file(INCIDENTS[0])
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(clients)]

    def _run(self, n: int) -> None:
        with self.server.client() as client:
            while not self.stop.is_set():
                try:
                    r = client.post("/v1/grade", json=self.fact)
                    self.seen[n].append((r.status_code, r.json()["ruleset"]["sha256"] if r.status_code == 200 else r.text))
                except Exception as exc:  # noqa: BLE001
                    self.errors.append(repr(exc))

    def __enter__(self) -> Hammer:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def wait_for(self, sha: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(seen and seen[-1][1] == sha for seen in self.seen):
            assert time.monotonic() < deadline, f"no answer named {sha[:12]}"
            time.sleep(0.02)

    def count(self) -> int:
        return sum(len(s) for s in self.seen)


def test_a_reload_during_load_loses_no_request_and_a_bad_change_is_never_half_served(tmp_path):
    rules_dir = _copy_rules(tmp_path)
    grading = (rules_dir / "grading.yaml").read_text(encoding="utf-8")
    authorization = (rules_dir / "authorization.yaml").read_text(encoding="utf-8")
    old = asprules.load_rulesets(rules_dir).grading.ref.sha256
    new = _sha_of(rules_dir, tmp_path, {"grading.yaml": _bumped(grading, "2.0-ref.2")})
    half = _sha_of(rules_dir, tmp_path, {"grading.yaml": _bumped(grading, "2.0-ref.3")})
    assert len({old, new, half}) == 3
    with Server("--rules", str(rules_dir), "--watch", "0.1") as server, Hammer(server) as hammer:
        hammer.wait_for(old)
        _replace(rules_dir / "grading.yaml", _bumped(grading, "2.0-ref.2"))
        hammer.wait_for(new)
        server.wait_for_log("reloaded the rules (rules changed): generation 2")
        # One change to two files: grading valid, authorization broken. Loading half of it
        # would serve the new grading; the whole reload is refused and the old rules stay.
        _replace(rules_dir / "authorization.yaml", authorization.replace("risk_classes:", "risk_clases:", 1))
        _replace(rules_dir / "grading.yaml", _bumped(grading, "2.0-ref.3"))
        server.wait_for_log("reload failed (rules changed)")
        with server.client() as client:
            ready = client.get("/readyz").json()
            metrics = samples(client.get("/metrics").text)
        assert ready["status"] == "stale" and ready["last_reload"]["ok"] is False and ready["generation"] == 2
        assert "authorization.yaml" in json.dumps(ready["last_reload"]["error"])
        assert metrics["asprules_reload_failures_total"] >= 1 and metrics["asprules_rules_stale"] == 1
        assert metrics["asprules_reloads_total"] == 1
        served_during_failure = hammer.count()
        time.sleep(0.5)
        assert hammer.count() > served_during_failure  # still serving, the last good rules
        _replace(rules_dir / "authorization.yaml", authorization)
        server.wait_for_log("generation 3")
        hammer.wait_for(half)
    assert hammer.errors == []
    for seen in hammer.seen:
        assert seen and all(status == 200 for status, _ in seen), [s for s in seen if s[0] != 200][:3]
        shas = [sha for _, sha in seen]
        assert set(shas) <= {old, new, half}
        # each client's answers move forward only: old, then new, then the whole later change
        order = {old: 0, new: 1, half: 2}
        assert [order[s] for s in shas] == sorted(order[s] for s in shas)


def test_sighup_reloads_and_a_broken_file_keeps_the_last_good_rules(tmp_path):
    rules_dir = _copy_rules(tmp_path)
    grading = (rules_dir / "grading.yaml").read_text(encoding="utf-8")
    old = asprules.load_rulesets(rules_dir).grading.ref.sha256
    new = _sha_of(rules_dir, tmp_path, {"grading.yaml": _bumped(grading, "9")})
    with Server("--rules", str(rules_dir), "--watch", "0") as server, server.client() as client:
        _replace(rules_dir / "grading.yaml", "asprules: 1\nkind: grading\nid: [unclosed\n")
        server.hangup()
        server.wait_for_log("reload failed (SIGHUP)")
        r = client.post("/v1/grade", json=fact_file(INCIDENTS[0]))
        assert r.status_code == 200 and r.json()["ruleset"]["sha256"] == old
        assert client.get("/readyz").json()["status"] == "stale"
        _replace(rules_dir / "grading.yaml", _bumped(grading, "9"))
        time.sleep(0.3)  # --watch 0: a change alone does not reload
        assert client.post("/v1/grade", json=fact_file(INCIDENTS[0])).json()["ruleset"]["sha256"] == old
        server.hangup()
        server.wait_for_log("reloaded the rules (SIGHUP)")
        assert client.post("/v1/grade", json=fact_file(INCIDENTS[0])).json()["ruleset"]["sha256"] == new
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["generation"] == 2
        assert samples(client.get("/metrics").text)["asprules_reload_failures_total"] == 1


def test_bad_rules_stop_the_server_at_start(tmp_path):
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "grading.yaml").write_text("asprules: 1\nkind: grading\n", encoding="utf-8")
    with pytest.raises(AssertionError, match=r"did not start \(exit 2\)[\s\S]*grading.yaml"):
        Server("--rules", str(bad), start_timeout=20)


SERVICENOW = REPO / "examples" / "service" / "servicenow-business-rule.js"


@pytest.mark.skipif(not (shutil.which("node") and shutil.which("curl")), reason="node and curl run the ServiceNow business rule")
def test_the_servicenow_business_rule_grades_through_the_service(bundled, rules):
    """docs/service.md's business rule, run under node with ServiceNow's objects mocked and
    a real HTTP request (curl) to the real server: it writes the level back, or the problems."""
    import subprocess

    record = {
        "number": "INC0010042", "u_environment": "production", "u_impact_started_iso": "2026-11-18T14:00:00+08:00",
        "u_outage_minutes": "60", "u_affected_users": "3000", "u_affected_users_pct": "30", "u_affected_sites": "1",
        "u_core_service": "1", "u_data_loss": "0", "u_security_breach": "0", "u_vip_customer": "0", "u_customer_complaint": "0",
    }

    def run(fields: dict) -> dict:
        env = {"RECORD": json.dumps(fields), "ASPRULES_URL": bundled.url, "ASPRULES_TOKEN": TOKEN, "PATH": __import__("os").environ["PATH"]}
        done = subprocess.run(["node", str(REPO / "tests" / "servicenow" / "harness.js"), str(SERVICENOW)],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    out = run(record)
    expected = library("grade", out["request"]["body"], rules)[1]
    assert out["errors"] == [] and out["updated"] is True
    assert out["set"]["u_major_fault_level"] == expected["level"] == "L1"
    assert out["set"]["u_grading_rules"] == f"{rules.grading.ref.id}@{rules.grading.ref.sha256[:12]}"
    assert out["set"]["u_grading_reason"] == "prod-l1-core-outage-day (§34.2.2)"
    out = run({**record, "u_affected_sites": "", "u_environment": "lab"})
    assert out["updated"] is False and len(out["errors"]) == 1
    assert "affected_sites: " in out["errors"][0] and "environment: Input should be 'production' or 'office'" in out["errors"][0]
