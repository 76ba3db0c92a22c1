"""The fidelity meter: every confirmed OSIGU fact about what the contracts serve is reproduced
under the same name, and everything the contracts add without a fact is tagged inferred."""

from __future__ import annotations

from mock_server.kit.fidelity import load_facts, measure


def test_confirmed_facts_are_reproduced_and_guesses_are_tagged(capsys):
    report = measure()
    with capsys.disabled():
        print(f"\nfidelity: {report.summary()}")
    assert report.total > 0
    assert not report.missing, "\n".join(f"{f.id}: {f.description} ({f.source})" for f in report.missing)
    assert not report.untagged, "\n".join(report.untagged)
    assert not report.stale_deviations, f"reproduced now, remove from deviations.yaml: {report.stale_deviations}"


def test_the_meter_notices_a_missing_field():
    from mock_server.core.contracts import bundled_openapi

    document = bundled_openapi()
    del document["components"]["schemas"]["TokenResponse"]["properties"]["expires_in"]
    missing = {f.id for f in measure(document).missing}
    assert "getAccessToken:response-field:expires_in" in missing


def test_the_meter_notices_an_untagged_guess():
    from mock_server.core.contracts import bundled_openapi

    document = bundled_openapi()
    document["components"]["schemas"]["TokenResponse"]["properties"]["refresh_token"] = {"type": "string"}
    assert any("refresh_token" in line for line in measure(document).untagged)


def test_the_facts_copy_is_the_full_catalogue():
    facts = load_facts()
    assert {"operations", "schemas", "enums", "error_codes", "webhook_events", "conventions"} <= set(facts)


def test_the_meter_checks_every_path_of_a_fact_that_documents_several_versions():
    from mock_server.core.contracts import bundled_openapi

    document = bundled_openapi()
    del document["paths"]["/ehr/v1.1/prescriptions"]
    missing = {f.id for f in measure(document).missing}
    # createPrescription is documented at v1, v1.1 and v2; without a v1.1 operation its path is missing.
    assert "createPrescription:path:/ehr/v1.1/prescriptions" in missing


def test_the_meter_reads_the_fields_of_an_embedded_object_from_a_field_note():
    from mock_server.core.contracts import bundled_openapi

    document = bundled_openapi()
    del document["components"]["schemas"]["PrescriptionPatient"]["properties"]["identity_document_code"]
    missing = {f.id for f in measure(document).missing}
    assert "PrescriptionResource:field:patient.identity_document_code" in missing
