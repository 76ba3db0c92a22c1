"""Fault rules (POST/GET/DELETE /__admin/faults): latency, error answers, dropped connections and lost
responses, per method and path pattern, per tenant, seeded so that a run repeats. Injected answers are outside
the contract by design, so these tests read them with a plain client; the expected draws come from an
independent ``random.Random`` with the rule's seed."""

from __future__ import annotations

import math
import random
import time

import httpx2
import pytest
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.settings import Settings
from tests.support.clients import DEMO_SECRETS
from tests.support.redeeming import authorize
from tests.support.served import ServedMock

CLAIMS = "/arc/v1/claims"


@pytest.fixture
def http():
    with TestClient(create_app(Settings(frozen_clock=True))) as client:
        yield client


def bearer(client, client_id="demo-clinic", secret=None) -> dict[str, str]:
    token = client.post(
        "/v1/oauth/token",
        auth=(client_id, secret or DEMO_SECRETS[client_id]),
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def add(client, **rule) -> dict:
    answer = client.post("/__admin/faults", json=rule)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_error_rule_answers_its_status_with_osigus_error_body_and_says_so(http):
    auth = bearer(http)
    rule = add(http, kind="error", path=CLAIMS, status=502, code="071-502-upstream", message="Sponsor down.")
    answer = http.get(CLAIMS, headers=auth)
    assert answer.status_code == 502
    assert answer.json() == {"code": "071-502-upstream", "message": "Sponsor down.", "errors": []}
    assert answer.headers["osigu-mock-fault"] == f"{rule['fault_id']} error"
    assert answer.headers["x-request-id"]  # still one of the mock's answers


def test_an_error_rule_defaults_to_503_with_a_visibly_invented_code(http):
    add(http, kind="error", path=CLAIMS)
    answer = http.get(CLAIMS, headers=bearer(http))
    assert (answer.status_code, answer.json()["code"]) == (503, "MOCK-503-injected-fault")


def test_the_rate_is_drawn_from_the_rules_seed_so_a_run_repeats(http):
    auth = bearer(http)
    add(http, kind="error", path=CLAIMS, rate=0.5, seed=7)
    draws = random.Random(7)
    expected = [503 if draws.random() < 0.5 else 200 for _ in range(20)]
    assert [http.get(CLAIMS, headers=auth).status_code for _ in range(20)] == expected
    assert 0 < expected.count(503) < 20


def test_times_caps_how_often_a_rule_fires_and_the_list_says_how_often_it_did(http):
    auth = bearer(http)
    rule = add(http, kind="error", path=CLAIMS, times=2)
    assert [http.get(CLAIMS, headers=auth).status_code for _ in range(4)] == [503, 503, 200, 200]
    listed = http.get("/__admin/faults").json()["content"]
    assert [(r["fault_id"], r["applied"]) for r in listed] == [(rule["fault_id"], 2)]


def test_a_fixed_latency_delays_the_answer_by_at_least_its_length(http):
    auth = bearer(http)
    add(http, kind="latency", path="/arc/**", latency={"distribution": "fixed", "ms": 60})
    started = time.perf_counter()
    answer = http.get(CLAIMS, headers=auth)
    assert answer.status_code == 200 and time.perf_counter() - started >= 0.06
    assert answer.headers["osigu-mock-fault"].endswith("latency 60ms")


def test_uniform_and_lognormal_delays_follow_the_seed_and_are_slept(http):
    auth = bearer(http)
    add(http, kind="latency", path=CLAIMS, seed=3, latency={"distribution": "uniform", "min_ms": 40, "max_ms": 80})
    draws = random.Random(3)
    expected = []
    for _ in range(3):
        draws.random()  # whether it fires (rate 1: always)
        expected.append(draws.uniform(40, 80))
    for expected_ms in expected:
        started = time.perf_counter()
        answer = http.get(CLAIMS, headers=auth)
        assert time.perf_counter() - started >= round(expected_ms) / 1000 - 0.001
        assert answer.headers["osigu-mock-fault"].endswith(f"latency {expected_ms:.0f}ms")
    http.delete("/__admin/faults")
    add(http, kind="latency", path=CLAIMS, seed=5, latency={"distribution": "lognormal", "median_ms": 50, "sigma": 0.5})
    draws = random.Random(5)
    draws.random()
    expected_ms = 50 * math.exp(0.5 * draws.gauss(0, 1))
    started = time.perf_counter()
    answer = http.get(CLAIMS, headers=auth)
    assert time.perf_counter() - started >= round(expected_ms) / 1000 - 0.001
    assert answer.headers["osigu-mock-fault"].endswith(f"latency {expected_ms:.0f}ms")


def test_a_latency_rule_still_delays_an_answer_another_rule_replaces_with_an_error(http):
    auth = bearer(http)
    add(http, kind="latency", path=CLAIMS, latency={"distribution": "fixed", "ms": 60})
    add(http, kind="error", path=CLAIMS, status=502)
    started = time.perf_counter()
    answer = http.get(CLAIMS, headers=auth)
    assert answer.status_code == 502 and time.perf_counter() - started >= 0.06
    fired = answer.headers["osigu-mock-fault"]
    assert [part.split(" ", 1)[1] for part in fired.split(", ")] == ["latency 60ms", "error"]


def test_patterns_match_one_segment_with_a_star_any_with_two_and_the_method_when_given(http):
    auth = bearer(http)
    add(http, kind="error", path="/arc/v1/*/999", method="GET", status=418)
    assert http.get("/arc/v1/claims/999", headers=auth).status_code == 418
    assert http.get("/arc/v1/authorizations/999", headers=auth).status_code == 418
    assert http.get("/arc/v1/claims/1000", headers=auth).status_code == 404
    assert http.get("/arc/v1/outpatient-care-claim/monitors/999", headers=auth).status_code != 418  # two segments
    assert http.post("/arc/v1/claims/999", headers=auth).status_code != 418  # another method


def test_the_control_plane_is_never_faulted_so_rules_can_always_be_removed(http):
    auth = bearer(http)
    add(http, kind="error", path="/**", status=500)
    assert http.get(CLAIMS, headers=auth).status_code == 500
    assert http.post("/v1/oauth/token", data={"grant_type": "client_credentials"}).status_code == 500
    assert http.get("/__admin/faults").status_code == 200
    assert http.delete("/__admin/faults").status_code == 204
    assert http.get(CLAIMS, headers=auth).status_code == 200


def test_rules_belong_to_one_tenant(http):
    tenant = http.post("/__admin/tenants", json={}).json()
    other = next(c for c in tenant["clients"] if c["client_id"].startswith("demo-clinic."))
    add(http, kind="error", path=CLAIMS)  # the default tenant
    assert http.get(CLAIMS, headers=bearer(http)).status_code == 503
    assert http.get(CLAIMS, headers=bearer(http, other["client_id"], other["client_secret"])).status_code == 200


def test_a_reset_clears_the_rules(http):
    add(http, kind="error", path=CLAIMS)
    http.post("/__admin/reset")
    assert http.get("/__admin/faults").json()["content"] == []
    assert http.get(CLAIMS, headers=bearer(http)).status_code == 200


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ({"kind": "latency", "path": CLAIMS}, "latency"),
        (
            {"kind": "latency", "path": CLAIMS, "latency": {"distribution": "uniform", "min_ms": 9, "max_ms": 1}},
            "latency.min_ms",
        ),
        ({"kind": "latency", "path": CLAIMS, "latency": {"distribution": "uniform", "min_ms": 1}}, "latency.max_ms"),
        ({"kind": "drop", "path": CLAIMS, "status": 500}, "status"),
        ({"kind": "error", "path": CLAIMS, "latency": {"ms": 5}}, "latency"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_and_nothing_is_added(http, rule, path):
    answer = http.post("/__admin/faults", json=rule)
    assert answer.status_code == 422 and [e["path"] for e in answer.json()["errors"]] == [path]
    assert http.get("/__admin/faults").json()["content"] == []


def test_a_malformed_rule_is_refused_by_the_schema(http):
    answer = http.post("/__admin/faults", json={"kind": "meltdown", "path": "claims", "rate": 2})
    assert answer.status_code == 422
    assert {e["path"] for e in answer.json()["errors"]} >= {"kind", "path", "rate"}


def test_removing_an_unknown_rule_is_404(http):
    answer = http.delete("/__admin/faults/flt_NOPE")
    assert (answer.status_code, answer.json()["code"]) == (404, "MOCK-404-fault-not-found")


# -- over real sockets: drops and lost answers ---------------------------------------------------------
@pytest.fixture(scope="module")
def served():
    with ServedMock() as mock:
        yield mock


def test_a_dropped_connection_gets_no_answer_and_the_operation_never_runs(served):
    with served.client() as client:
        auth = served.bearer(client, "demo-doctors-office")
        add(client, kind="drop", path="/ehr/v1/patients", method="POST")
        body = {
            "first_name": "ANA",
            "last_name": "DROP",
            "document_type": "CC",
            "document_number": "5550001",
            "date_of_birth": "1990-04-11",
        }
        with pytest.raises(httpx2.TransportError):  # closed without an answer
            client.post("/ehr/v1/patients", json=body, headers=auth)
        client.delete("/__admin/faults")
        assert client.get("/ehr/v1/patients?document_number=5550001", headers=auth).json()["content"] == []


def test_a_lost_answer_commits_the_operation_and_a_retried_complete_is_safe(served):
    with served.client() as client:
        clinic, pharmacy = served.bearer(client), served.bearer(client, "demo-pharmacy")
        code = authorize(client, clinic)["code"]
        started = client.post("/dispensing/v1/dispensations", json={"code": code}, headers=pharmacy).json()
        path = f"/dispensing/v1/dispensations/{started['dispensation_id']}/complete"
        invoice = {"amount": started["amount"], "document_number": "FAC-LOST", "document_date": "2026-11-30T10:00:00Z"}
        add(client, kind="lost_response", path="/dispensing/v1/dispensations/*/complete", times=1)
        with pytest.raises(httpx2.TransportError):  # closed without an answer
            client.post(path, json=invoice, headers=pharmacy)
        read = client.get(f"/dispensing/v1/dispensations/{started['dispensation_id']}", headers=pharmacy).json()
        assert read["status"] == "COMPLETED"  # it committed
        retried = client.post(path, json=invoice, headers=pharmacy)
        assert retried.status_code == 200 and retried.json()["claim"]["id"] == read["claim"]["id"]
        claims = client.get(f"/arc/v1/claims?authorization_id={read['claim']['authorization_id']}", headers=pharmacy)
        assert claims.json()["page"]["total_elements"] == 1  # one claim, not two
