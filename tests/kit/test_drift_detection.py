"""Proof that the contract kit catches drift, without real credentials: a mutating proxy sits in front of the
served mock and renames a field, adds an unknown enum value, changes a status code and drops a required field.
The kit, pointed at the proxy, must report each mutation, classed by the confidence tag the contract gives the
fact it breaks. The expected classes are read here from the contract files themselves."""

from __future__ import annotations

import json

import pytest
import yaml

from mock_server.core.resources import contracts_dir
from mock_server.kit.report import DriftReport
from mock_server.kit.runner import check_target
from mock_server.kit.target import select_target
from tests.support.proxy import MutatingProxy, Mutation, drop, rename, replace
from tests.support.served import ServedApp, ServedMock

CONFIRMED = {"schema-page", "operation-page", "guide"}


def schema_tag(name: str, prop: str) -> tuple[str, bool]:
    """The tag that applies to a property of a contract schema (its own, else the schema's), and whether it is
    required."""
    schema = json.loads((contracts_dir() / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    tag = schema["properties"][prop].get("x-osigu-confidence", schema["x-osigu-confidence"])
    return tag, prop in schema.get("required", [])


def operation_tag(path: str, method: str) -> str:
    document = yaml.safe_load((contracts_dir() / "openapi.yaml").read_text(encoding="utf-8"))
    return document["paths"][path][method]["x-osigu-confidence"]


def violated(tag: str) -> str:
    return "confirmed-violated" if tag in CONFIRMED else "inferred-contradicted"


def mutations() -> list[Mutation]:
    return [
        Mutation("rename", "GET", r"/arc/v1/authorizations/\d+", body=rename("code", "authorization_code")),
        Mutation("unknown enum value", "POST", r"/v1/sponsors/[^/]+/search", body=replace("status", "ARCHIVED")),
        Mutation("status code", "POST", r"/ehr/v1/patients", status=200),
        Mutation("drop required", "POST", r"/dispensing/v1/dispensations", body=drop("amount")),
    ]


@pytest.fixture(scope="module")
def served():
    with ServedMock() as mock:
        yield mock


def run_through(served, applied: list[Mutation], **proxy_options):
    with ServedApp(MutatingProxy(served.url, applied, **proxy_options)) as proxy:
        return check_target(select_target(proxy.url, env={}), with_fidelity=False)


def facts(report) -> dict[tuple[str, str, str, str], str]:
    return {(e.operation, e.status, e.aspect, e.field): e.cls for e in report.observed_entries()}


def test_the_served_mock_through_an_honest_proxy_holds_every_fact(served):
    report = run_through(served, [])
    counts = report.class_counts()
    assert counts["confirmed-violated"] == counts["inferred-contradicted"] == counts["new"] == 0, report.failures()
    assert counts["confirmed-held"] > 300 and report.outcome == "passed"
    assert report.check_counts()["failed"] == 0


def test_each_mutation_is_detected_and_classed_by_its_confidence_tag(served):
    applied = mutations()
    report = run_through(served, applied)
    found = facts(report)
    assert all(m.applied for m in applied), [m.name for m in applied if not m.applied]

    tag, required = schema_tag("authorization", "code")
    assert required
    assert found[("getAuthorization", "200", "field", "code")] == violated(tag)
    assert found[("getAuthorization", "200", "new-field", "authorization_code")] == "new"

    tag, _ = schema_tag("beneficiary", "status")
    assert found[("searchBeneficiary", "200", "field", "status")] == violated(tag)
    assert found[("searchBeneficiary", "200", "new-value", 'status="ARCHIVED"')] == "new"

    assert found[("createPatient", "", "status", "")] == violated(operation_tag("/ehr/v1/patients", "post"))
    assert found[("createPatient", "200", "new-status", "")] == "new"

    tag, required = schema_tag("dispensation", "amount")
    assert required and tag == "inferred"  # the mutation that shows an inferred item contradicted
    assert found[("startDispensation", "201", "field", "amount")] == "inferred-contradicted"

    broken = sorted(f.split(":")[1].strip() for f in report.failures() if f.startswith("confirmed-violated"))
    assert broken == [
        "createPatient (POST /ehr/v1/patients) (status)",
        "getAuthorization (GET /arc/v1/authorizations/{authorization_id}) 200 code",
        "searchBeneficiary (POST /v1/sponsors/{sponsor_slug}/search) 200 status",
    ]


def test_an_inferred_contradiction_alone_is_drift_unless_strict(served):
    applied = [Mutation("drop required", "GET", r"/dispensing/v1/dispensations/\d+", body=drop("amount"))]
    with ServedApp(MutatingProxy(served.url, applied)) as proxy:
        lenient = check_target(select_target(proxy.url, env={}), with_fidelity=False)
    strict = DriftReport(lenient.target, lenient.drift, lenient.checks, strict=True)
    assert lenient.class_counts()["inferred-contradicted"] >= 1
    assert lenient.class_counts()["confirmed-violated"] == 0
    assert lenient.outcome == "passed" and strict.outcome == "failed"


def test_a_server_that_is_not_the_mock_gets_no_writes_no_control_plane_and_one_token_per_run(served):
    proxy_app = MutatingProxy(served.url, [], hide_identity=True)
    fuzz = {"examples": 3, "only": r"^(GET|POST) /v1/sponsors(/\{sponsor_slug\}/(forms|search))?$", "stateful": False}
    slept: list[float] = []
    with ServedApp(proxy_app) as proxy:
        report = check_target(select_target(proxy.url, env={}), with_fidelity=False, fuzz=fuzz, sleep=slept.append)
    assert proxy_app.seen["/v1/oauth/token"] == 1  # the flows' and the fuzzer's calls share one token
    # Before the fuzzer's own 50-a-minute limiter takes over, the flows' requests leave the minute.
    assert len(slept) == 1 and 55 < slept[0] <= 60
    assert not any(path.startswith("/__admin") for path in proxy_app.seen)
    assert report.fuzz["operations"] == 2  # GET /v1/sponsors and GET .../forms: the search is a POST, a write
    by_step = {(c.flow, c.step): c for c in report.checks}
    assert report.target["is_mock"] is False and report.target["capabilities"] == []
    writing = [c for c in report.checks if "writes" in c.needs]
    assert writing and all(c.status == "mock-only" for c in writing)
    first = by_step[("pre-authorization", "initiate, attach the documents the sponsor requires, complete")]
    assert "--allow-writes" in first.detail
    settling = [c for c in report.checks if c.flow == "settlements"]
    assert settling and all(c.status != "passed" for c in settling)
    assert by_step[("sponsor lookup", "the beneficiary is found")].status == "passed"
    assert by_step[("token", "client credentials give a bearer JWT")].status == "passed"


def test_the_kits_fuzzer_passes_the_served_mock_and_catches_a_server_that_drops_a_required_field(served):
    from mock_server.kit.fuzz import fuzz_target

    only = r"^GET /v1/sponsors$"
    honest = fuzz_target(select_target(served.url, env={}), 5, stateful=False, only=only)
    assert honest["failures"] == [] and honest["operations"] == 1 and honest["cases"] >= 1
    broken = [Mutation("drop required", "GET", r"/v1/sponsors", body=lambda page: {**page, "content": [{}]})]
    with ServedApp(MutatingProxy(served.url, broken)) as proxy:
        caught = fuzz_target(select_target(proxy.url, env={}), 5, stateful=False, only=only)
    assert len(caught["failures"]) == 1 and caught["failures"][0].startswith("GET /v1/sponsors:")


def test_on_a_mock_without_its_control_plane_the_steps_that_need_it_are_mock_only_never_passed():
    from mock_server.settings import Settings

    with ServedMock(Settings(frozen_clock=True, admin_enabled=False)) as mock:
        report = check_target(select_target(mock.url, env={}), with_fidelity=False)
    assert report.target["is_mock"] is True and report.target["capabilities"] == ["writes"]
    needing = {"admin plane", "mock clock", "personas"}
    for check in report.checks:
        if needing & set(check.needs):
            assert check.status == "mock-only", check
    statuses = {(c.flow, c.step): c.status for c in report.checks}
    assert statuses[("direct claims", "the monitor finishes on the clock")] == "mock-only"
    assert statuses[("settlements", "start a batch")] == "mock-only"  # builds on the persona step
    assert statuses[("direct claims", "a claim against the authorization's lines")] == "passed"
    assert report.check_counts()["failed"] == 0 and report.outcome == "passed"


def test_the_fuzzers_processes_share_the_operations_without_overlap(served):
    from mock_server.kit.fuzz import _fuzz_shard

    target, only = select_target(served.url, env={}), r"^GET /v1/sponsors(/\{sponsor_slug\}/forms)?$"
    shards = [_fuzz_shard(target, 2, None, shard, 2, False, only)[0] for shard in (0, 1)]
    assert len(shards[0]) == len(shards[1]) == 1 and not set(shards[0]) & set(shards[1])
    assert set(shards[0]) | set(shards[1]) == {"GET /v1/sponsors", "GET /v1/sponsors/{sponsor_slug}/forms"}


def test_a_stateful_failure_fails_the_fuzzing(monkeypatch):
    from mock_server.inprocess import inprocess_client
    from mock_server.kit import fuzz

    resets = []
    monkeypatch.setattr(
        fuzz, "_stateful", lambda schema, reset=None: resets.append(reset) or (1, 0, ["stateful: a link led to a 500"])
    )
    result = fuzz.fuzz_target(select_target(env={}), 1, app_factory=inprocess_client, only="^$")
    assert result["failures"] == ["stateful: a link led to a 500"] and result["operations"] == 0
    assert len(resets) == 1 and callable(resets[0])  # the mock in process has a control plane: each scenario resets
