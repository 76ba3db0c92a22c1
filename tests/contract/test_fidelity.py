"""The fidelity meter: every confirmed OSIGU fact about what the mock emulates (contracts/facts/scope.yaml)
is reproduced under the same name, or documented as a deviation, or about something not built yet; and
everything the contracts add without a fact is tagged inferred."""

from __future__ import annotations

import copy

from mock_server.core.contracts import bundled_openapi
from mock_server.kit.fidelity import Report, load_facts, load_scope, measure, scope_problems
from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.contract import Contract
from mock_server.kit.fidelity.facts import Origin
from mock_server.kit.fidelity.meter import tally
from mock_server.kit.fidelity.report import UNCLASSIFIED
from mock_server.kit.fidelity.scope import Scope


def failures(report: Report) -> list[str]:
    """Why the contracts fail the meter: a missing fact about something built, an untagged guess, a stale
    or unknown deviation, a not_built_yet list out of date, a fact about a subject scope.yaml does not name."""
    return [
        *(f"missing {f.id}: {f.description} ({f.source})" for f in report.missing),
        *report.untagged,
        *(f"reproduced now, remove from deviations.yaml: {d}" for d in report.stale_deviations),
        *(f"deviations.yaml names no in-scope fact: {d}" for d in report.unknown_deviations),
        *report.allowance_problems,
        *(f"not named in scope.yaml: {f.id}" for f, _ in report.out_of_scope.get(UNCLASSIFIED, [])),
    ]


def missing_ids(document: dict) -> set[str]:
    return {f.id for f in measure(document).missing}


def test_confirmed_facts_are_reproduced_and_guesses_are_tagged(capsys):
    report = measure()
    with capsys.disabled():
        print(f"\nfidelity: {report.summary()}")
    assert report.total > 0
    assert not failures(report), "\n".join(failures(report))


def test_the_meter_notices_a_missing_field():
    document = bundled_openapi()
    del document["components"]["schemas"]["TokenResponse"]["properties"]["expires_in"]
    assert "getAccessToken:response-field:expires_in" in missing_ids(document)


def test_the_meter_notices_an_untagged_guess():
    document = bundled_openapi()
    document["components"]["schemas"]["TokenResponse"]["properties"]["refresh_token"] = {"type": "string"}
    assert any("refresh_token" in line for line in measure(document).untagged)


def test_the_facts_copy_is_the_full_catalogue():
    facts = load_facts()
    assert {"operations", "schemas", "enums", "error_codes", "webhook_events", "conventions"} <= set(facts)


def test_the_meter_checks_every_path_of_a_fact_that_documents_several_versions():
    document = bundled_openapi()
    del document["paths"]["/ehr/v1.1/prescriptions"]
    missing = missing_ids(document)
    # createPrescription is documented at v1, v1.1 and v2; without a v1.1 operation its path is missing,
    # and so is every other fact of it at that path.
    assert "createPrescription:path:/ehr/v1.1/prescriptions" in missing
    assert "createPrescription@/ehr/v1.1/prescriptions:request-field:patient_id" in missing


def test_the_meter_reads_the_fields_of_an_embedded_object_from_a_field_note():
    document = bundled_openapi()
    del document["components"]["schemas"]["PrescriptionPatient"]["properties"]["identity_document_code"]
    assert "PrescriptionResource:field:patient.identity_document_code" in missing_ids(document)


# -- a fixed denominator ---------------------------------------------------------------------------


def test_removing_an_operation_lowers_the_in_scope_figure_and_fails_the_meter():
    full = measure()
    document = bundled_openapi()
    del document["paths"]["/ehr/v1/patients"]["post"]
    cut = measure(document)
    assert cut.total == full.total and cut.whole_total == full.whole_total
    assert len(cut.reproduced) < len(full.reproduced)
    assert {"createPatient:path", "createPatient:request-field:first_name"} <= {f.id for f in cut.missing}
    assert any("'createPatient' is in scope but not served" in line for line in failures(cut))


def test_every_operation_and_schema_of_the_catalogue_is_in_scope_or_left_out_with_a_reason():
    facts, scope = load_facts(), load_scope()
    assert not scope_problems(facts, scope), "\n".join(scope_problems(facts, scope))
    named = set(scope.names("operations", "in_scope")) | set(scope.names("operations", "left_out"))
    assert named == {op["operation_id"] for op in facts["operations"]}
    named = set(scope.names("schemas", "in_scope")) | set(scope.names("schemas", "left_out"))
    assert named == set(facts["schemas"])


def test_the_scope_check_notices_a_forgotten_name_and_a_name_the_catalogue_lacks():
    raw = copy.deepcopy(load_scope().raw)
    raw["operations"]["in_scope"].remove("createPatient")
    raw["schemas"]["in_scope"].append("NoSuchSchema")
    raw["schemas"]["left_out"]["BeneficiaryAuthorizationDetailResource"] = "no-such-reason"
    problems = "\n".join(scope_problems(load_facts(), Scope(raw)))
    assert "'createPatient' must be either in_scope or left_out" in problems
    assert "'NoSuchSchema' is not in osigu-facts.yaml" in problems
    assert "undefined reason 'no-such-reason'" in problems


def test_only_what_is_not_built_yet_may_be_missing():
    report = measure()
    not_built = load_scope().not_built_yet
    assert report.not_built
    assert all(report.subjects[f.id] <= not_built for f in report.not_built)
    assert ("operation", "createPatient") not in not_built


# -- each fact once --------------------------------------------------------------------------------


def test_a_fact_checked_twice_fails_if_either_check_fails():
    scope = load_scope()
    origin = Origin("guide", "https://auth-docs.osigu.com/", ("operation", "createPatient"))
    for first, second in ((True, False), (False, True), (True, True)):
        ctx = Context(Contract(bundled_openapi()), load_facts(), scope)
        ctx.check("createPatient:twice", "checked twice", origin, first)
        ctx.check("createPatient:twice", "checked twice", origin, second)
        report = tally(list(ctx.results.values()), {}, scope)
        assert report.total == 1
        assert [f.id for f in report.reproduced] == (["createPatient:twice"] if first and second else [])


def test_every_fact_is_counted_once():
    report = measure()
    ids = [f.id for f in report.reproduced + report.missing + report.not_built]
    ids += [f.id for f, _ in report.deviations]
    ids += [f.id for facts in report.out_of_scope.values() for f, _ in facts]
    assert len(ids) == len(set(ids)) == report.whole_total
    # The paged model's links note is one set of facts, not a second one under the Link schema.
    assert "PagedModelProviderAuthorizationAbridgedResource:field:links.href" in ids
    assert not [i for i in ids if i.startswith("Link:field:")]


def test_the_claim_monitor_error_is_checked_against_the_monitor_not_the_error_body():
    report = measure()
    reproduced = {f.id for f in report.reproduced}
    for name in ("error", "error_code", "error_details", "error_details.path"):
        assert f"OutpatientCareClaimMonitorResponse:field:monitor_resource.{name}" in reproduced
    assert not [f for f in report.reproduced + report.not_built if f.id.startswith("ErrorResponse:field:error_")]


# -- the kinds of fact the meter notices -----------------------------------------------------------


def operation(document: dict, path: str, method: str) -> dict:
    return document["paths"][path][method]


def test_the_meter_notices_a_missing_error_code():
    document = bundled_openapi()
    op = operation(document, "/ehr/v1/prescriptions", "post")
    op["x-osigu-errors"] = [code for code in op["x-osigu-errors"] if code != "071-104"]
    # The prescription's 071-104 comes from the error_codes section of the catalogue only.
    assert "createPrescription@/ehr/v1/prescriptions:error:071-104" in missing_ids(document)


def test_the_meter_notices_a_missing_query_parameter():
    document = bundled_openapi()
    op = operation(document, "/medical-catalogs/v1/medications", "get")
    op["parameters"] = [p for p in op["parameters"] if p.get("name") != "query"]
    assert {"listMedications:query:query", "listMedications:query-value:query:paracetamol"} <= missing_ids(document)


def test_the_meter_notices_a_missing_scope():
    document = bundled_openapi()
    operation(document, "/ehr/v1/prescriptions", "post")["security"] = [{"bearerAuth": ["ehr:read"]}]
    assert "createPrescription@/ehr/v1/prescriptions:scope:ehr:write" in missing_ids(document)


def test_the_meter_notices_a_missing_request_content_type():
    document = bundled_openapi()
    content = operation(document, "/v1/oauth/token", "post")["requestBody"]["content"]
    content["application/json"] = content.pop("application/x-www-form-urlencoded")
    assert "getAccessToken:content-type:application/x-www-form-urlencoded" in missing_ids(document)


def test_the_meter_notices_a_missing_nested_request_field():
    document = bundled_openapi()
    contract = Contract(document)
    schema = contract.schemas["CreatePrescriptionRequest"]
    del contract.inner(contract.lookup([schema], "medications"))["properties"]["posology"]
    assert "createPrescription@/ehr/v1/prescriptions:request-field:medications.posology" in missing_ids(document)


def test_the_meter_notices_a_missing_webhook_data_field():
    document = bundled_openapi()
    data = document["components"]["schemas"]["WebhookEnvelope"]["$defs"]["dispensing.started"]
    del data["properties"]["pharmacy"]["properties"]["branch_id"]
    assert "webhook:dispensing.started:data:pharmacy.branch_id" in missing_ids(document)


def test_the_meter_notices_a_missing_value_of_a_standalone_enum():
    document = bundled_openapi()
    status = document["components"]["schemas"]["AuthorizationRequestResource"]["properties"]["status"]
    status["enum"] = [value for value in status["enum"] if value != "PENDING_INDICATION"]
    # authorization_request_state_guide names no schema field; scope.yaml places it on this status.
    assert "AuthorizationRequestResource:value:status:PENDING_INDICATION" in missing_ids(document)


def test_the_meter_notices_a_documented_value_the_contract_refuses():
    document = bundled_openapi()
    channel = document["components"]["schemas"]["SendOtpRequest"]["properties"]["channel"]
    channel["enum"] = ["EMAIL"]
    assert "sendOtp@/v1/otp/send:request-value:channel:SMS" in missing_ids(document)
