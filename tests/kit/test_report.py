"""The contract kit end to end: the documented flows against the app in process, the documented-examples target,
the drift report (JSON validated by contracts/drift-report.schema.json, and Markdown) and the CLI's exits."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from mock_server.cli import cli
from mock_server.core.resources import contracts_dir
from mock_server.inprocess import inprocess_client
from mock_server.kit.drift import Drift
from mock_server.kit.flows import Check
from mock_server.kit.report import DriftReport, report_paths
from mock_server.kit.runner import check_target
from mock_server.kit.target import select_target

REPORT_SCHEMA = json.loads((contracts_dir() / "drift-report.schema.json").read_text(encoding="utf-8"))
FLOWS = {"token", "sponsor lookup", "pre-authorization", "dispensing with auto-claim", "direct claims"}
FLOWS |= {"e-prescriptions", "settlements", "webhooks"}


def valid_report(document: dict) -> dict:
    Draft202012Validator(REPORT_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(document)
    return document


@pytest.fixture(scope="module")
def inprocess_report():
    with inprocess_client() as http:
        return check_target(select_target(env={}), client=http)


def test_every_documented_flow_passes_in_process_and_the_mock_matches_its_contract(inprocess_report):
    report = inprocess_report
    assert {c.flow for c in report.checks} == FLOWS
    assert [c for c in report.checks if c.status != "passed"] == []
    counts = report.class_counts()
    assert counts["confirmed-violated"] == counts["inferred-contradicted"] == counts["new"] == 0
    assert report.outcome == "passed"
    operations = {e.operation for e in report.observed_entries()}
    for expected in (
        "getAccessToken",
        "searchBeneficiary",
        "getSponsorConfiguration",
        "completeAuthorizationRequest",
        "completeDispensation",
        "createOutpatientCareClaim",
        "createPrescription",
        "createPrescriptionV11",
        "createPrescriptionV2",
        "completeSettlementBatch",
        "createWebhookSubscription",
        "webhook_authorization_created",  # the delivery the webhook flow received
    ):
        assert expected in operations


def test_the_json_report_validates_and_carries_the_fidelity_figure(inprocess_report):
    document = valid_report(inprocess_report.as_dict())
    assert document["fidelity"]["in_scope"] >= document["fidelity"]["reproduced"] > 1000
    assert document["fidelity"]["summary"].startswith(f"{document['fidelity']['reproduced']}/")
    assert document["summary"]["checks"]["passed"] == len(document["checks"])
    facts = [fact for op in document["operations"] for fact in op["facts"]]
    assert sum(document["summary"]["classes"].values()) == len(facts)


def report_with(*entries, checks=(), strict=False) -> DriftReport:
    """A report over a drift whose entries were observed as given: (class of the tag, violated)."""
    drift = Drift()
    for index, (tag, violated, aspect) in enumerate(entries):
        entry = drift._entry("op", "GET", "/x", "200", aspect, f"f{index}", tag, "string")
        entry.note("observed", violated, None)
    return DriftReport({"label": "t"}, drift, list(checks), strict=strict)


def test_a_confirmed_violation_fails_a_run_an_inferred_contradiction_only_when_strict_and_new_never():
    assert report_with(("schema-page", True, "field")).outcome == "failed"
    assert report_with(("inferred", True, "field")).outcome == "passed"
    assert report_with(("inferred", True, "field"), strict=True).outcome == "failed"
    assert report_with(("", False, "new-field")).outcome == "passed"
    assert report_with(("guide", False, "field")).outcome == "passed"


def test_a_mock_only_check_is_never_counted_as_a_pass_and_a_failed_step_fails_the_run():
    mock_only = Check("settlements", "decide", "mock-only", ["admin plane"], "needs the admin plane")
    report = report_with(checks=[mock_only])
    assert report.check_counts() == {"passed": 0, "failed": 0, "mock-only": 1, "skipped": 0}
    assert report.outcome == "passed"
    failed = Check("token", "get one", "failed", [], "401")
    assert report_with(checks=[failed]).outcome == "failed"


def test_the_documented_examples_target_says_where_the_guides_contradict_the_schema_pages():
    report = check_target(select_target("examples", env={}), with_fidelity=False)
    found = {(e.operation, e.status, e.aspect, e.field): e for e in report.observed_entries()}
    # The guides' string ids (bnf_..., pat_...) against the schema pages' int64 ids.
    beneficiary = found[("searchBeneficiary", "200", "field", "beneficiary_id")]
    assert beneficiary.cls == "confirmed-violated" and beneficiary.observed[0].startswith('string "bnf_')
    assert beneficiary.sources == ["https://auth-docs.osigu.com/guides/testing-with-sandbox"]
    assert found[("createPatient", "201", "field", "patient_id")].cls == "confirmed-violated"
    assert ("createPatient", "201", "field", "first_name") not in found  # the guide lists patient_id alone
    # The forms guide's form_id / label / fields[].key against AuthorizationFormResource's names.
    assert found[("listSponsorForms", "200", "field", "[].form_slug")].cls == "confirmed-violated"
    assert found[("listSponsorForms", "200", "new-field", "[].form_id")].cls == "new"
    # The settlements guide's 201 against the operation page's 200; the claims guide's OPEN and 201.
    assert found[("startSettlementBatch", "", "status", "")].cls == "confirmed-violated"
    assert found[("startSettlementBatch", "201", "new-status", "")].cls == "new"
    assert found[("createOutpatientCareClaim", "201", "new-status", "")].cls == "new"
    # And where they agree: the token guide's token_type, the OTP guide's request fields.
    assert found[("getAccessToken", "200", "field", "token_type")].cls == "confirmed-held"
    assert found[("validateOtp", "request", "field", "otp_id")].cls.endswith("-held")
    markdown = report.to_markdown()
    assert "| searchBeneficiary `POST /v1/sponsors/{sponsor_slug}/search` | 200 | beneficiary_id |" in markdown
    assert "https://auth-docs.osigu.com/pt-BR/guides/submit-claim-batch" in markdown
    assert report.outcome == "failed"


def test_report_paths_write_json_and_markdown_side_by_side(tmp_path):
    assert report_paths(tmp_path / "drift") == (tmp_path / "drift.json", tmp_path / "drift.md")
    assert report_paths(tmp_path / "out.json") == (tmp_path / "out.json", tmp_path / "out.md")
    assert report_paths(tmp_path / "out.md") == (tmp_path / "out.json", tmp_path / "out.md")


def test_a_fuzzing_failure_fails_the_run_and_is_named():
    report = report_with(("guide", False, "field"))
    report.fuzz = {"summary": "1 case", "failures": ["GET /x: boom"]}
    assert report.outcome == "failed" and report.failures() == ["fuzz: GET /x: boom"]
    assert "## Fuzzing" in report.to_markdown() and "failure: GET /x: boom" in report.to_markdown()


def test_a_target_that_could_not_be_checked_is_skipped_whatever_else_the_report_holds():
    class Unreachable:
        def request(self, *args, **kwargs):
            raise AssertionError("a skipped target must not be called")

    report = check_target(select_target("sandbox", env={}), client=Unreachable(), with_fidelity=False)
    assert report.outcome == "skipped" and report.checks == [] and "OSIGU_CLIENT_ID" in report.skipped
    report.checks = [Check("token", "get one", "failed", [], "401")]
    assert report.outcome == "skipped"


def test_the_markdown_lists_each_violation_and_contradiction_with_its_tag_and_the_failures():
    markdown = report_with(("inferred", True, "field"), ("schema-page", True, "field")).to_markdown()
    assert "| op `GET /x` | 200 | f0 | inferred-contradicted (inferred) | string | observed |  |" in markdown
    assert "| op `GET /x` | 200 | f1 | confirmed-violated (schema-page) | string | observed |  |" in markdown
    assert "## Failures" in markdown and "confirmed-violated: op (GET /x) 200 f1" in markdown


def test_the_kits_own_set_up_calls_are_not_part_of_the_report(inprocess_report):
    paths = {e.path for e in inprocess_report.observed_entries()}
    assert not [p for p in paths if p.startswith(("/__admin", "/healthz"))]


def test_the_cli_checks_the_app_in_process_and_writes_the_report(tmp_path):
    result = CliRunner().invoke(cli, ["contract", "--report", str(tmp_path / "drift")])
    assert result.exit_code == 0, result.output
    assert "passed    webhooks: subscribe" in result.output and "outcome: passed" in result.output
    document = valid_report(json.loads((tmp_path / "drift.json").read_text(encoding="utf-8")))
    assert document["outcome"] == "passed" and document["target"]["is_mock"] is True
    assert (tmp_path / "drift.md").read_text(encoding="utf-8").startswith("# Contract drift report: inprocess")


def test_the_cli_exits_non_zero_when_a_confirmed_fact_is_violated(tmp_path):
    result = CliRunner().invoke(cli, ["contract", "--target", "examples", "--report", str(tmp_path / "examples")])
    assert result.exit_code == 1
    assert "confirmed-violated" in result.output
    valid_report(json.loads((tmp_path / "examples.json").read_text(encoding="utf-8")))


def test_the_cli_skips_the_sandbox_without_credentials_in_one_line(monkeypatch):
    monkeypatch.delenv("OSIGU_CLIENT_ID", raising=False)
    monkeypatch.delenv("OSIGU_CLIENT_SECRET", raising=False)
    result = CliRunner().invoke(cli, ["contract", "--target", "sandbox"])
    assert result.exit_code == 0
    assert result.output.strip().count("\n") == 0 and "skipped" in result.output


def test_the_cli_refuses_the_production_host():
    result = CliRunner().invoke(cli, ["contract", "--target", "https://api.osigu.com"])
    assert result.exit_code == 2 and "production" in result.output
