"""The decision service in-process (Starlette's TestClient): typed errors, metrics, OpenAPI, reloads, tokens.

tests/test_service_http.py runs the same service as a real process over TCP.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil

import pytest

from asprules.errors import AspRulesError
from asprules.service.metrics import Metrics
from asprules.service.rules import RuleSource
from support import REPO, RULESETS, incident, operation

starlette = pytest.importorskip("starlette", reason="the serve extra (pip install -e '.[test,serve]'; .ci/run installs it)")

from starlette.testclient import TestClient  # noqa: E402

from asprules.service import ServiceConfig, create_app  # noqa: E402
from asprules.service.core import load_tokens  # noqa: E402
from service_support import fact_file, samples  # noqa: E402


def test_ci_installs_the_serve_extra():
    if os.environ.get("CI") == "true":  # .ci/run: the service's tests must not be skipped there
        assert importlib.util.find_spec("starlette") and importlib.util.find_spec("uvicorn")


@pytest.fixture
def client():
    with TestClient(create_app(ServiceConfig(rules=(str(RULESETS),), max_body=4096, max_batch=3, watch=0))) as c:
        yield c


def error_of(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == error and set(body) == {"error", "summary", "problems"}
    assert "Traceback" not in response.text
    return body


def test_bad_json_is_a_typed_400_with_its_place(client):
    body = error_of(client.post("/v1/grade", content=b'{"id": "x",\n "a": }'), 400, "BadRequest")
    assert body["summary"] == "request body is not JSON" and (body["problems"][0]["line"], body["problems"][0]["column"]) == (2, 7)
    assert "NaN" in error_of(client.post("/v1/grade", content=b'{"outage_minutes": NaN}'), 400, "BadRequest")["problems"][0]["message"]
    assert "duplicate key 'id'" in error_of(client.post("/v1/grade", content=b'{"id": "a", "id": "b"}'), 400, "BadRequest")["problems"][0]["message"]
    assert error_of(client.post("/v1/grade", content=b'"a string"'), 400, "BadRequest")["problems"][0]["message"] == "got a JSON str"
    error_of(client.post("/v1/grade", content=b"  "), 400, "BadRequest")
    error_of(client.post("/v1/grade", content=b"\xff\xfe"), 400, "BadRequest")
    error_of(client.post("/v1/grade", content=b"[" * 2000 + b"]" * 2000), 400, "BadRequest")
    assert "deeper than 64" in error_of(client.post("/v1/grade", content=b"[" * 65 + b"]" * 65), 400, "BadRequest")["problems"][0]["message"]


@pytest.mark.parametrize(("body", "place"), [(b'{"id": "x",}', (1, 12)), (b'[{"id": "x"},\n ]', (2, 2)), (b'{"id": "x" ,  \n\n  }', (3, 3))])
def test_a_trailing_comma_is_placed_at_its_bracket_on_every_python(client, body, place):
    problem = error_of(client.post("/v1/grade", content=body), 400, "BadRequest")["problems"][0]
    assert problem["message"].startswith("trailing comma before") and (problem["line"], problem["column"]) == place


def test_an_invalid_fact_is_a_422_naming_each_field(client):
    body = error_of(client.post("/v1/grade", json=incident(outage_minutes="long", core_service="yes")), 422, "FactError")
    assert {p["field"] for p in body["problems"]} == {"outage_minutes", "core_service"}
    batch = [incident(id="A"), incident(id="B", affected_sites=-1), {"id": "C"}]
    body = error_of(client.post("/v1/grade", json=batch), 422, "FactError")
    fields = [p["field"] for p in body["problems"]]
    assert "[1].affected_sites" in fields and "[2].environment" in fields and not any(f.startswith("[0]") for f in fields)
    assert body["summary"] == "invalid facts in the batch (2 of 3)"


def test_sizes_are_limited(client):
    error_of(client.post("/v1/grade", content=b" " * 5000), 413, "PayloadTooLarge")

    def chunks():  # no Content-Length: the limit holds on the stream too
        for _ in range(10):
            yield b" " * 1000

    error_of(client.post("/v1/grade", content=chunks()), 413, "PayloadTooLarge")
    body = error_of(client.post("/v1/grade", json=[incident()] * 4), 413, "PayloadTooLarge")
    assert body["problems"][0]["message"] == "at most 3 facts a request"
    assert client.post("/v1/grade", json=[incident()] * 3).status_code == 200
    assert client.post("/v1/grade", json=[]).json() == {"decisions": []}


def test_query_parameters_are_checked(client):
    body = error_of(client.post("/v1/grade?decison=x", json=incident()), 400, "BadRequest")
    assert body["problems"][0]["field"] == "decison"
    served = client.get("/v1/rulesets").json()["rulesets"][0]["id"]
    assert client.post(f"/v1/grade?decision={served}", json=incident()).status_code == 200
    error_of(client.post("/v1/grade?decision=another", json=incident()), 404, "NotFound")
    decided = client.post("/v1/authorize?at=2026-12-03T10:00:00%2B08:00", json=operation())
    assert decided.status_code == 200
    assert decided.json()["evaluated_at"] == "2026-12-03T10:00+08:00"  # the evaluation time of issue 14
    error_of(client.post("/v1/authorize?at=yesterday", json=operation()), 422, "FactError")


def test_unknown_routes_and_methods_and_bugs_answer_json(client):
    error_of(client.get("/v2/grade"), 404, "NotFound")
    error_of(client.get("/v1/grade"), 405, "MethodNotAllowed")
    service = client.app.state.service

    def broken(*args, **kw):
        raise RuntimeError("a bug deep inside")

    service.decide = broken
    r = client.post("/v1/grade", json=incident())
    assert r.status_code == 500 and r.json()["error"] == "InternalError" and "a bug deep inside" not in r.text


def test_metrics_count_exactly(client):
    for _ in range(3):
        assert client.post("/v1/grade", json=incident(id="L1", core_service=True, outage_minutes=60, affected_users_pct=30)).json()["level"] == "L1"
    client.post("/v1/grade", json=[incident(), incident()])
    client.post("/v1/grade", json={"id": "bad"})
    got = samples(client.get("/metrics").text)
    assert got['asprules_decisions_total{kind="grade",outcome="L1"}'] == 3
    assert got['asprules_decisions_total{kind="grade",outcome="none"}'] == 2
    assert got['asprules_requests_total{route="grade",status="200"}'] == 4
    assert got['asprules_requests_total{route="grade",status="422"}'] == 1
    assert got['asprules_request_duration_seconds_count{route="grade"}'] == 5
    assert got['asprules_request_duration_seconds_bucket{route="grade",le="+Inf"}'] == 5
    assert got["asprules_reloads_total"] == 0 and got["asprules_reload_failures_total"] == 0 and got["asprules_rules_stale"] == 0
    info = [k for k in got if k.startswith("asprules_ruleset_info")]
    assert len(info) == 2 and all('sha256="' in k for k in info)


def test_the_metrics_writer_follows_the_text_format():
    m = Metrics()
    m.declare("h", "histogram", "a histogram", (0.1, 1.0))
    m.declare("c", "counter", "a counter")
    for value in (0.05, 0.1, 0.5, 3.0):
        m.observe("h", value, route="x")
    m.inc("c", label='say "hi"\\\n')
    assert m.render().splitlines() == [
        "# HELP h a histogram", "# TYPE h histogram",
        'h_bucket{route="x",le="0.1"} 2', 'h_bucket{route="x",le="1"} 3', 'h_bucket{route="x",le="+Inf"} 4',
        'h_sum{route="x"} 3.65', 'h_count{route="x"} 4',
        "# HELP c a counter", "# TYPE c counter", 'c{label="say \\"hi\\"\\\\\\n"} 1',
    ]


def test_rulesets_and_openapi_describe_what_is_loaded(client):
    import asprules

    rules = asprules.load_rulesets(RULESETS)
    listed = client.get("/v1/rulesets").json()
    assert [(r["kind"], r["id"], r["version"], r["sha256"]) for r in listed["rulesets"]] == [
        ("grading", rules.grading.ref.id, rules.grading.ref.version, rules.grading.ref.sha256),
        ("authorization", rules.authorization.ref.id, rules.authorization.ref.version, rules.authorization.ref.sha256),
    ]
    doc = client.get("/v1/openapi.json").json()
    assert doc["openapi"] == "3.1.0" and {"/v1/grade", "/v1/authorize", "/v1/rulesets", "/healthz", "/readyz", "/metrics"} <= set(doc["paths"])
    schemas = doc["components"]["schemas"]
    assert set(schemas["Incident"]["properties"]) == set(asprules.Incident.model_fields)
    assert "Operation" in schemas and "securitySchemes" not in doc["components"]
    grade_body = doc["paths"]["/v1/grade"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert grade_body["oneOf"][0] == {"$ref": "#/components/schemas/Incident"}
    operation = fact_file(REPO / "examples" / "operations" / "authorized-core-cutover.yaml")
    for name, path, fact in (("GradeDecision", "/v1/grade", incident()), ("AuthorizationDecision", "/v1/authorize", operation)):
        answer = client.post(path, json=fact).json()
        # the published decision contract: every required key, and no key it does not describe
        assert set(schemas[name]["required"]) <= set(answer) <= set(schemas[name]["properties"])
    assert all(ref.startswith("#/components/schemas/") for ref in _refs(doc))
    assert {"DecisionLocalText", "DecisionReason", "DecisionObligation"} <= set(schemas)


def _refs(value):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def test_tokens_come_from_a_file_or_the_environment(tmp_path, monkeypatch):
    tokens = tmp_path / "tokens"
    tokens.write_text("# for the NOC\n  alpha  \n\nbeta\n", encoding="utf-8")
    monkeypatch.setenv("MY_TOKENS", "gamma,delta epsilon")
    assert load_tokens(str(tokens), "MY_TOKENS") == {"alpha", "beta", "gamma", "delta", "epsilon"}
    tokens.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(AspRulesError, match="holds no token"):
        load_tokens(str(tokens), None)
    monkeypatch.setenv("MY_TOKENS", " , ")
    with pytest.raises(AspRulesError, match="holds no token"):
        load_tokens(None, "MY_TOKENS")
    with pytest.raises(AspRulesError, match="cannot read"):
        load_tokens(str(tmp_path / "absent"), None)
    monkeypatch.setenv("MY_TOKENS", "alpha")
    with TestClient(create_app(ServiceConfig(token_env="MY_TOKENS", watch=0))) as c:
        error_of(c.get("/v1/rulesets"), 401, "Unauthorized")
        error_of(c.get("/metrics", headers={"Authorization": "Basic alpha"}), 401, "Unauthorized")
        assert c.get("/v1/rulesets", headers={"Authorization": "Bearer alpha"}).status_code == 200
        assert c.get("/v1/rulesets", headers={"Authorization": "bearer alpha"}).status_code == 200
        error_of(c.get("/v1/rulesets", headers={"Authorization": "Bearer "}), 401, "Unauthorized")
        error_of(c.get("/v1/rulesets", headers={"Authorization": "Bearer alph"}), 401, "Unauthorized")
        assert c.get("/healthz").status_code == 200
        assert c.get("/v1/openapi.json", headers={"Authorization": "Bearer alpha"}).json()["components"]["securitySchemes"]


def test_a_reload_swaps_whole_or_keeps_the_last_good_rules(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULESETS, rules)
    results = []
    source = RuleSource((rules,), on_reload=lambda s, r: results.append(r))
    first = source.current
    grading = (rules / "grading.yaml").read_text(encoding="utf-8")
    (rules / "grading.yaml").write_text(grading.replace("kind: grading", "kind: gradin"), encoding="utf-8")
    result = source.reload("test")
    assert not result.ok and source.current is first and source.stale
    assert "grading.yaml" in json.dumps(result.to_json()["error"])
    (rules / "grading.yaml").write_text(grading.replace('version: "2.0-ref.1"', 'version: "3"'), encoding="utf-8")
    assert source.reload("test").ok and not source.stale
    assert source.current.generation == 2 and source.current.rules.grading.ref.version == "3"
    assert source.current.rules.authorization.ref == first.rules.authorization.ref
    assert [r.ok for r in results] == [False, True]


def test_serve_with_bad_rules_exits_2(tmp_path, capsys):
    from asprules.cli import main

    assert main(["serve", "--rules", str(tmp_path / "absent")]) == 2
    assert "not found" in capsys.readouterr().err


def test_sighup_rereads_the_token_file_and_keeps_the_old_tokens_when_it_is_bad(tmp_path):
    from asprules.service import Service

    tokens = tmp_path / "tokens"
    tokens.write_text("old\n", encoding="utf-8")
    service = Service(ServiceConfig(rules=(str(RULESETS),), token_file=str(tokens), watch=0))
    assert service.authorized("Bearer old") and not service.authorized("Bearer new")
    tokens.write_text("new\n", encoding="utf-8")
    service.source.reload("rules changed")  # only SIGHUP rereads the tokens
    assert service.authorized("Bearer old")
    service.source.reload("SIGHUP")
    assert service.authorized("Bearer new") and not service.authorized("Bearer old")
    tokens.write_text("\n", encoding="utf-8")
    service.source.reload("SIGHUP")
    assert service.authorized("Bearer new")  # an empty file does not lock everyone out, nor let everyone in
    service.close()


def _cli_json(argv: list[str], capsys) -> dict:
    from asprules.cli import main

    assert main(argv) in (0, 4, 5)
    return json.loads(capsys.readouterr().out)


def test_lang_chooses_the_language_of_decisions_as_the_cli_and_to_json_do(client, capsys):
    """``?lang=zh`` answers what ``--format json --lang zh`` prints and ``to_json(lang="zh")``
    builds: the reasons' text in Chinese beside the same codes and params."""
    import asprules

    rules = asprules.load_rulesets(RULESETS)
    path = REPO / "examples" / "incidents" / "l2-vip-raised.yaml"
    zh = client.post("/v1/grade?lang=zh", json=fact_file(path)).json()
    assert zh == _cli_json(["grade", str(path), "--rules", str(RULESETS), "--format", "json", "--lang", "zh"], capsys)
    fact = asprules.incident_from_file(path)
    assert zh == asprules.grade(fact, rules).to_json("zh", fact_id=fact.id)
    en = client.post("/v1/grade", json=fact_file(path)).json()
    assert zh["lang"] == "zh" and en["lang"] == "en"
    assert [f["detail"]["code"] for f in zh["fired"]] == [f["detail"]["code"] for f in en["fired"]]
    assert {f["detail"]["text"] for f in zh["fired"]} == {"定为 L3", "L3 → L2"}
    operation_path = REPO / "examples" / "operations" / "pending-upgrade-missing-steps.yaml"
    pending = client.post("/v1/authorize?lang=zh", json=fact_file(operation_path)).json()
    assert pending == _cli_json(["authorize", str(operation_path), "--rules", str(RULESETS), "--format", "json", "--lang", "zh"], capsys)
    reasons = [r for step in pending["steps"] for r in step["reasons"]]
    assert pending["status"] == "pending" and reasons and all(any("\u4e00" <= ch <= "\u9fff" for ch in r["text"]) for r in reasons)
    batch = client.post("/v1/grade?lang=zh", json=[fact_file(path)]).json()["decisions"]
    assert batch == [zh]


def test_accept_language_is_honoured_and_the_query_parameter_wins(client):
    fact = fact_file(REPO / "examples" / "incidents" / "l2-vip-raised.yaml")
    assert client.post("/v1/grade", json=fact, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).json()["lang"] == "zh"
    assert client.post("/v1/grade", json=fact, headers={"Accept-Language": "de, en;q=0.5, zh;q=0.7"}).json()["lang"] == "zh"
    assert client.post("/v1/grade", json=fact, headers={"Accept-Language": "fr, de;q=0.5"}).json()["lang"] == "en"  # a preference: English
    assert client.post("/v1/grade", json=fact, headers={"Accept-Language": "zh;q=0, en"}).json()["lang"] == "en"
    assert client.post("/v1/grade?lang=en", json=fact, headers={"Accept-Language": "zh"}).json()["lang"] == "en"
    assert client.post("/v1/grade?lang=zh", json=fact, headers={"Accept-Language": "en"}).json()["lang"] == "zh"


def test_an_unsupported_lang_is_a_typed_400_not_silent_english(client):
    fact = fact_file(REPO / "examples" / "incidents" / "l2-vip-raised.yaml")
    body = error_of(client.post("/v1/grade?lang=fr", json=fact), 400, "BadRequest")
    assert body["summary"] == "unsupported language 'fr'"
    assert [(p["field"], p["message"], p["code"]) for p in body["problems"]] == [("lang", "one of en, zh", "choose_one")]
    body = error_of(client.post("/v1/authorize?lang=fr", json=operation(), headers={"Accept-Language": "zh"}), 400, "BadRequest")
    assert body["summary"] == "不支持的语言 'fr'" and body["problems"][0]["message"] == "可选：en, zh"
    error_of(client.get("/v1/rulesets?lang=xx"), 400, "BadRequest")


def test_error_bodies_speak_the_requests_language(client):
    from test_chinese_everywhere import english

    answers = [
        (client.post("/v1/grade?lang=zh", content=b'{"id": "x",\n "a": }'), 400, "BadRequest", "请求体不是 JSON"),
        (client.post("/v1/grade?lang=zh", content=b'{"id": "x",}'), 400, "BadRequest", "请求体不是 JSON"),
        (client.post("/v1/grade?lang=zh", content=b'{"id": "a", "id": "b"}'), 400, "BadRequest", "请求体不是可接受的 JSON"),
        (client.post("/v1/grade?lang=zh", content=b'"a string"'), 400, "BadRequest", "应为一个事实（JSON 对象）或一批事实（JSON 数组）"),
        (client.post("/v1/grade?lang=zh", content=b"  "), 400, "BadRequest", "请求体为空"),
        (client.post("/v1/grade?lang=zh", content=b"[" * 65 + b"]" * 65), 400, "BadRequest", "请求体嵌套过深"),
        (client.post("/v1/grade?lang=zh&decison=x", json=incident()), 400, "BadRequest", "未知的查询参数：decison"),
        (client.post("/v1/grade?lang=zh&decision=another", json=incident()), 404, "NotFound", "未知的定级决策 'another'"),
        (client.post("/v1/grade?lang=zh", json=[incident()] * 4), 413, "PayloadTooLarge", "一批 4 个事实"),
        (client.post("/v1/grade?lang=zh", json=[incident(id="A"), incident(id="B", affected_sites=-1), {"id": "C"}]), 422, "FactError",
         "批中有无效事实（3 个中有 2 个）"),
        (client.post("/v1/grade?lang=zh", json=incident(outage_minutes="long")), 422, "FactError", None),
        (client.get("/v2/grade?lang=zh"), 404, "NotFound", "未找到"),
        (client.get("/v1/grade", headers={"Accept-Language": "zh"}), 405, "MethodNotAllowed", "不允许此方法"),
    ]
    for response, status, error, summary in answers:
        body = error_of(response, status, error)
        if summary is not None:
            assert body["summary"] == summary, body
        shown = body["summary"] + "\n" + "\n".join(p["message"] for p in body["problems"])
        assert not english(shown), (english(shown), body)
    trailing = client.post("/v1/grade?lang=zh", content=b'{"id": "x",}').json()["problems"][0]
    assert trailing["message"] == "} 前有多余的逗号" and (trailing["line"], trailing["column"]) == (1, 12) and trailing["code"] == "trailing_comma"
    invalid = client.post("/v1/grade?lang=zh", json=incident(outage_minutes="long")).json()
    english_body = client.post("/v1/grade", json=incident(outage_minutes="long")).json()
    assert [p["field"] for p in invalid["problems"]] == [p["field"] for p in english_body["problems"]] == ["outage_minutes"]
    assert invalid["problems"][0]["message"] != english_body["problems"][0]["message"]


def test_the_openapi_document_describes_the_language_switch(client):
    from asprules.i18n import LANGUAGES

    doc = client.get("/v1/openapi.json").json()
    for path in ("/v1/grade", "/v1/authorize"):
        params = {p["name"]: p for p in doc["paths"][path]["post"]["parameters"]}
        assert params["lang"]["in"] == "query" and params["lang"]["schema"]["enum"] == list(LANGUAGES)
        assert params["Accept-Language"]["in"] == "header"
        assert "lang=" in doc["paths"][path]["post"]["responses"]["400"]["description"]
