"""The pre-authorization widget in headless Chromium, against the mock's REST API (contracts/README.md, "Widgets").

Expected values come from the seeded world's personas (README "Personas") and from the REST API read back
independently, never from the widget's own code.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.widgets.conftest import make_host
from tests.widgets.outcomes import assert_valid_preauth_outcome

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def search_beneficiary(host, **fields: str) -> None:
    page = host.page
    for label, value in fields.items():
        control = page.locator(".osigu-form").get_by_label(label, exact=True)
        if control.evaluate("node => node.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_selector(".osigu-result .osigu-card")


def choose_products(host, diagnosis: str, products: dict[str, int]) -> None:
    page = host.page
    host.wait_step("select_products")
    page.get_by_label("Search diagnoses by code or words").fill(diagnosis)
    page.locator(".osigu-step form.osigu-inline button").click()
    page.locator(f'input[name="osigu-diagnosis"][value="{diagnosis}"]').check()
    for code, quantity in products.items():
        row = page.locator(f'[data-product="{code}"]')
        row.locator('input[type="checkbox"]').check()
        row.get_by_label("Quantity").fill(str(quantity))


def press_continue(host) -> None:
    host.page.locator(".osigu-step .osigu-actions").get_by_role("button", name="Continue").click()


def test_happy_path_walks_every_step_and_reports_the_approved_authorizations(host):
    """MARIA GONZALEZ (approved-co) with sponsor-sandbox: an indication is required, no OTP; one authorization per
    product group (DRUG and LABORATORY), approved."""
    options = {"sponsorSlug": "sponsor-sandbox", "theme": "light", "telemetry": {"trackingId": "trk-7"}}
    host.mount("preauth", "clinic", options=options)
    host.wait_step("search_beneficiary")
    host.page.wait_for_selector('[data-form="national-id"]')
    host.shoot("search_beneficiary")
    search_beneficiary(host, **maria_like("1000000001"))
    host.shoot("search_beneficiary-found")
    press_continue(host)
    choose_products(host, "R51", {"MED-042": 2, "LAB-HEMO": 1})
    host.shoot("select_products")
    press_continue(host)
    host.wait_step("capture_indication")
    host.page.locator('input[type="file"]').set_input_files(
        {"name": "indication.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    host.shoot("capture_indication")
    press_continue(host)
    host.wait_step("review_and_submit")
    host.shoot("review_and_submit")
    host.page.get_by_role("button", name="Submit for authorization").click()
    outcome = host.wait_outcome()
    host.wait_step("outcome")
    host.shoot("outcome")

    assert_valid_preauth_outcome(outcome)
    assert outcome["status"] == "COMPLETED"
    assert host.steps() == [
        "search_beneficiary",
        "select_products",
        "capture_indication",
        "review_and_submit",
        "outcome",
    ]
    # total counts the steps known to apply: the indication is known once the products (and so the sponsor's
    # configuration for their types) are; sponsor-sandbox asks for no OTP.
    assert [(s["index"], s["total"]) for s in host.events("step")] == [(0, 4), (1, 4), (2, 5), (3, 5), (4, 5)]
    # The REST resource, read back by the test: the outcome's codes are the authorizations' codes.
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    assert request["status"] == "APPROVED" and request["beneficiary_id"] == 1000001
    assert [d["document_type"] for d in request["documents"]] == ["MEDICAL_INDICATION"]
    expected = {
        a["code"]: ({"DRUG": "MEDICATION", "LABORATORY": "LAB"}[a["product_type"]], a["expires_at"])
        for a in (
            host.mock.get(f"/arc/v1/authorizations/{line['authorization_id']}").json() for line in request["products"]
        )
    }
    got = {a["authorization_code"]: (a["product_type"], a["expires_at"]) for a in outcome["authorizations"]}
    assert got == expected
    assert {a["status"] for a in outcome["authorizations"]} == {"APPROVED"}
    by_type = {a["product_type"]: a["products"] for a in outcome["authorizations"]}
    assert by_type == {
        "MEDICATION": [{"product_code": "MED-042", "quantity": 2}],
        "LAB": [{"product_code": "LAB-HEMO", "quantity": 1}],
    }
    assert host.events("ready") == [None]
    assert host.events("error") == []
    # Every REST call the widget made, as the mock journalled it, with the test tenant's client.
    calls = host.calls()
    assert ("GET", "/v1/sponsors/sponsor-sandbox/forms", 200) in calls
    assert ("POST", "/v1/sponsors/sponsor-sandbox/search", 200) in calls
    assert ("GET", "/arc/v1/providers/products", 200) in calls
    assert ("GET", "/medical-catalogs/v1/diagnoses", 200) in calls
    assert ("GET", "/arc/v1/sponsors/sponsor-sandbox/configuration", 200) in calls
    mutations = [c for c in calls if c[0] == "POST" and c[1].startswith("/arc/")]
    assert mutations == [
        ("POST", "/arc/v1/authorization-requests", 201),
        ("POST", "/arc/v1/authorization-requests/{id}/indications", 201),
        ("POST", "/arc/v1/authorization-requests/{id}/complete", 200),
    ]
    assert {e["client_id"] for e in host.journal()} == {host.mock.clients["demo-clinic"]["client_id"]}
    # The widget sends the schema pages' shapes: no call leaned on a leniency (README "Catalogues").
    assert [e["warnings"] for e in host.journal() if e["warnings"]] == []
    assert outcome["telemetry_id"] == "trk-7"
    assert host.console_errors == []


def walk_to_submit(host, sponsor: str, search: dict[str, str], products: dict[str, int], **config) -> None:
    """Mount for ``sponsor``, find the beneficiary, choose R51 and the products, attach the indication where
    the widget asks for one, and stop on review_and_submit."""
    host.mount("preauth", "clinic", options={"sponsorSlug": sponsor, **config.pop("options", {})}, **config)
    host.wait_step("search_beneficiary")
    host.page.wait_for_selector(".osigu-form")
    search_beneficiary(host, **search)
    press_continue(host)
    choose_products(host, "R51", products)
    press_continue(host)
    host.page.wait_for_selector('.osigu-w[data-step="capture_indication"], .osigu-w[data-step="review_and_submit"]')
    if host.page.locator('.osigu-w[data-step="capture_indication"]').count():
        host.page.locator('input[type="file"]').set_input_files(
            {"name": "indication.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        press_continue(host)
    host.wait_step("review_and_submit")


def maria_like(document_number: str) -> dict[str, str]:
    """sponsor-sandbox's national-id form (its labels are the sponsor's own, in Spanish): a CC number."""
    return {"Tipo de documento": "CC", "Número de documento": document_number}


def submit(host) -> None:
    host.page.get_by_role("button", name="Submit for authorization").click()


def test_otp_challenge_runs_in_the_mocks_iframe_and_its_token_completes_the_request(host):
    """otp-do (sponsor-sandbox-do asks an OTP to complete DRUG requests; the personas' code is 123456)."""
    walk_to_submit(host, "sponsor-sandbox-do", {"Cédula (11 dígitos)": "00100000017"}, {"MED-042": 1})
    submit(host)
    host.wait_step("otp_challenge")
    source = host.page.locator("iframe.osigu-frame").get_attribute("src")
    page_origin = host.page.evaluate("location.origin")
    assert source.startswith(host.mock.url + "/challenges/")
    assert source.endswith(f"?origin={page_origin.replace(':', '%3A').replace('/', '%2F')}&locale=en&theme=auto")
    # A message from anywhere but the mock's iframe is ignored: the host page posts a forged token to itself.
    host.page.evaluate("window.postMessage({type: 'osigu:otp', otp_verification_token: 'otv_forged'}, '*')")
    host.page.wait_for_timeout(300)
    frame = host.page.frame_locator("iframe.osigu-frame")
    frame.get_by_role("button", name="Send a code by SMS").click()
    frame.get_by_label("Verification code").fill("123456")
    host.shoot("otp_challenge")
    frame.get_by_role("button", name="Verify").click()
    outcome = host.wait_outcome()
    host.shoot("outcome")

    assert_valid_preauth_outcome(outcome)
    assert host.steps() == ["search_beneficiary", "select_products", "review_and_submit", "otp_challenge", "outcome"]
    # sponsor-sandbox-do's configuration asks an OTP for DRUG: the step is counted once the products are known.
    assert [(e["index"], e["total"]) for e in host.events("step")] == [(0, 4), (1, 4), (2, 5), (3, 5), (4, 5)]
    assert outcome["status"] == "COMPLETED"
    (authorization,) = outcome["authorizations"]
    assert authorization["status"] == "APPROVED" and authorization["product_type"] == "MEDICATION"
    # The code went to the outbox as an SMS, to the persona's phone.
    (sms,) = host.mock.outbox("OTP")
    assert sms["code"] == "123456"
    # The first complete was refused for the OTP, the second (with the iframe's token) answered.
    completes = [c for c in host.calls() if c[1].endswith("/complete")]
    assert completes == [
        ("POST", "/arc/v1/authorization-requests/{id}/complete", 422),
        ("POST", "/arc/v1/authorization-requests/{id}/complete", 200),
    ]
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    assert request["status"] == "APPROVED"
    assert request["authorizations"][0]["code"] == authorization["authorization_code"]


def test_a_wrong_code_in_the_iframe_is_told_there_and_nothing_completes(host):
    walk_to_submit(host, "sponsor-sandbox-do", {"Cédula (11 dígitos)": "00100000017"}, {"MED-042": 1})
    submit(host)
    host.wait_step("otp_challenge")
    frame = host.page.frame_locator("iframe.osigu-frame")
    frame.get_by_role("button", name="Send a code by SMS").click()
    frame.get_by_label("Verification code").fill("000000")
    frame.get_by_role("button", name="Verify").click()
    expect(frame.get_by_role("alert")).to_contain_text("wrong")  # waits for the page the form answered
    host.page.wait_for_timeout(300)
    assert host.events("complete") == []
    assert [c for c in host.calls() if c[1].endswith("/complete")] == [
        ("POST", "/arc/v1/authorization-requests/{id}/complete", 422)
    ]


def test_rejected_outcome_carries_the_sponsors_reason(host):
    """rejected-co: every line rejected, with a reason (README "Personas")."""
    walk_to_submit(host, "sponsor-sandbox", maria_like("1000000002"), {"MED-042": 1})
    submit(host)
    outcome = host.wait_outcome()
    host.shoot("outcome-rejected")

    assert_valid_preauth_outcome(outcome)
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    assert request["status"] == "REJECTED"
    assert outcome == {
        "authorization_request_id": str(request["id"]),
        "status": "COMPLETED",
        "authorizations": [
            {
                "authorization_code": None,
                "product_type": "MEDICATION",
                "status": "REJECTED",
                "rejection_reason": request["products"][0]["reason"],
                "products": [{"product_code": "MED-042", "quantity": 1}],
            }
        ],
        "duration_ms": outcome["duration_ms"],
    }
    assert isinstance(outcome["duration_ms"], int) and 0 <= outcome["duration_ms"] < 60_000
    assert host.page.locator('[data-status="REJECTED"]').count() == 1
    assert request["products"][0]["reason"] in host.page.locator('[data-status="REJECTED"]').inner_text()


def test_partial_approval_reports_the_approved_and_the_rejected_lines_apart(host):
    """partial-approval-co: the first line of each group approved, the rest rejected."""
    walk_to_submit(
        host,
        "sponsor-sandbox",
        maria_like("1000000004"),
        {"MED-042": 1, "MED-SBX-001": 2},
    )
    submit(host)
    outcome = host.wait_outcome()
    assert_valid_preauth_outcome(outcome)
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    decided = {line["product_code"]: line["status"] for line in request["products"]}
    assert sorted(decided.values()) == ["APPROVED", "REJECTED"]
    got = {p["product_code"]: a["status"] for a in outcome["authorizations"] for p in a["products"]}
    assert got == decided
    approved = [a for a in outcome["authorizations"] if a["status"] == "APPROVED"]
    assert [a["authorization_code"] for a in approved] == [request["authorizations"][0]["code"]]


def test_asynchronous_sponsor_reports_pending_sponsor_and_decides_later(host):
    """async-sponsor-mx: PENDING_SPONSOR, approved 30 s later on the mock clock."""
    walk_to_submit(host, "async-sponsor", {"Número de afiliado": "AS-1000009"}, {"MED-042": 1})
    submit(host)
    outcome = host.wait_outcome()
    host.shoot("outcome-pending")
    assert_valid_preauth_outcome(outcome)
    assert outcome["status"] == "PENDING_SPONSOR"
    assert outcome["authorizations"] == [
        {
            "authorization_code": None,
            "product_type": "MEDICATION",
            "status": "PENDING_SPONSOR",
            "products": [{"product_code": "MED-042", "quantity": 1}],
        }
    ]
    request_path = f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}"
    assert host.mock.get(request_path).json()["status"] == "PENDING_SPONSOR"
    host.mock.advance(31)
    assert host.mock.get(request_path).json()["status"] == "APPROVED"


def test_before_submit_can_change_the_request(host):
    walk_to_submit(
        host,
        "sponsor-sandbox",
        maria_like("1000000001"),
        {"MED-042": 1},
        beforeSubmit="triple",
    )
    submit(host)
    outcome = host.wait_outcome()
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    assert [line["quantity"] for line in request["products"]] == [3]


def test_before_submit_returning_false_cancels_without_any_request(host):
    walk_to_submit(
        host,
        "sponsor-sandbox",
        maria_like("1000000001"),
        {"MED-042": 1},
        beforeSubmit="cancel",
    )
    submit(host)
    host.page.wait_for_function("document.querySelector('.osigu-w [role=alert]').textContent.length > 0")
    assert "cancelled" in host.alert()
    host.page.wait_for_timeout(300)  # time for any call the widget might (wrongly) start
    assert host.page.locator('.osigu-w[data-step="review_and_submit"]').count() == 1
    assert not [c for c in host.calls() if c[0] == "POST" and c[1].startswith("/arc/")]
    assert host.events("complete") == []


def test_inactive_coverage_is_told_in_words_and_stops_the_flow(host):
    host.mount("preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox"})
    host.page.wait_for_selector(".osigu-form")
    search_beneficiary(host, **maria_like("1000000006"))
    assert "coverage is not active" in host.alert()
    assert host.page.locator(".osigu-result").get_by_role("button", name="Continue").count() == 0
    assert host.events("error") == []


def test_a_search_that_finds_nobody_is_told_and_is_not_an_error_callback(host):
    host.mount("preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox"})
    host.page.wait_for_selector(".osigu-form")
    host.page.get_by_label("Número de documento", exact=True).fill("1999999999")
    host.page.get_by_role("button", name="Search", exact=True).click()
    host.page.wait_for_function("document.querySelector('.osigu-w [role=alert]').textContent.length > 0")
    assert host.alert() == "No beneficiary matches these details."
    assert host.calls()[-1] == ("POST", "/v1/sponsors/sponsor-sandbox/search", 404)
    assert host.events("error") == []


def test_a_malformed_document_number_shows_the_apis_field_error_on_the_field(host):
    host.mount("preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox"})
    host.page.wait_for_selector(".osigu-form")
    number = host.page.get_by_label("Número de documento", exact=True)
    number.fill("12AB")
    host.page.get_by_role("button", name="Search", exact=True).click()
    host.page.wait_for_selector('.osigu-form input[aria-invalid="true"]')
    assert number.get_attribute("aria-invalid") == "true"
    error_id = number.get_attribute("aria-describedby").split()[0]
    assert host.page.locator(f"#{error_id}").inner_text()
    assert "(422)" in host.alert()


def test_a_refused_token_is_reported_through_on_error_and_shown(host):
    host.mount("preauth", "clinic", token="not-a-token", options={"sponsorSlug": "sponsor-sandbox"})
    host.page.wait_for_function("window.__events.some(function (e) { return e.name === 'error'; })")
    (error,) = host.events("error")
    assert error["status"] == 401 and error["code"] == "MOCK-401-invalid-token"
    assert "token was refused" in host.alert()
    # The widget asked the host for a fresh token once before giving up.
    assert host.page.evaluate("window.__tokenCalls") == 2


def test_production_environment_is_refused_through_on_error_without_any_call(host):
    host.mount("preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox", "environment": "production"})
    host.page.wait_for_timeout(500)  # time for any call the widget might (wrongly) start
    (error,) = host.events("error")
    assert error["code"] == "ENVIRONMENT_REFUSED"
    assert "sandbox" in host.alert()
    # Only the test's own token request is in the journal: the widget called nothing.
    assert [c for c in host.calls() if c[1] != "/v1/oauth/token"] == []


def test_spanish_and_portuguese_locales_and_the_theme_attribute(browser, osigu_mock_server, host_pages):
    for locale, title, step in (
        ("es", "Preautorización", "Beneficiario"),
        ("pt-BR", "Pré-autorização", "Beneficiário"),
    ):
        context, host = make_host(browser, osigu_mock_server, host_pages, f"locale-{locale}")
        try:
            host.mount(
                "preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox", "locale": locale, "theme": "dark"}
            )
            root = host.page.locator(".osigu-w")
            assert root.get_attribute("lang") == locale
            assert root.get_attribute("data-theme") == "dark"
            assert host.page.locator(".osigu-w h2").inner_text() == title
            assert host.page.locator(".osigu-step-title").inner_text() == step
        finally:
            context.close()


def test_the_browsers_language_is_the_default_locale(browser, osigu_mock_server, host_pages):
    narrow = {"width": 360, "height": 780}
    context, host = make_host(browser, osigu_mock_server, host_pages, "browser-locale", locale="pt-BR", viewport=narrow)
    try:
        host.mount("preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox"})
        assert host.page.locator(".osigu-w").get_attribute("lang") == "pt-BR"
        assert host.page.locator(".osigu-w").get_attribute("data-theme") == "auto"
        host.page.wait_for_selector(".osigu-form")
        # Readable at 360 px: nothing wider than the viewport.
        assert host.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_unmount_removes_the_widget_and_close_calls_on_close(host):
    host.mount("preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox"})
    host.page.locator(".osigu-head").get_by_role("button").click()
    assert host.events("close") == [None]
    host.page.evaluate("window.__handle.unmount()")
    assert host.page.locator(".osigu-w").count() == 0


def test_manual_review_is_reported_pending_sponsor_with_the_authorizations_code(host):
    """manual-review-co: the authorization waits in PENDING_REVIEW for the sponsor's reviewer."""
    walk_to_submit(host, "sponsor-sandbox", maria_like("1000000003"), {"MED-042": 1})
    submit(host)
    outcome = host.wait_outcome()
    assert_valid_preauth_outcome(outcome)
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    (authorization,) = request["authorizations"]
    assert authorization["status"] == "PENDING_REVIEW"
    assert outcome["status"] == "PENDING_SPONSOR"
    assert [(a["authorization_code"], a["status"]) for a in outcome["authorizations"]] == [
        (authorization["code"], "PENDING_SPONSOR")
    ]


def test_without_a_sponsor_the_user_picks_one_and_the_sponsors_extra_fields_are_asked(host):
    """No sponsorSlug: the provider's sponsors (GET /v1/sponsors) come first. demo-insurer requires
    professional_license_number, service_type_code and an authorization_type (its configuration); approved-gt."""
    host.mount("preauth", "clinic", decorate=True)
    host.wait_step("search_beneficiary")
    sponsors = host.page.get_by_label("Sponsor")
    host.page.wait_for_selector('option[value="demo-insurer"]', state="attached")
    listed = sponsors.locator("option").evaluate_all("options => options.map(o => o.value).filter(Boolean)")
    assert listed == [s["sponsor_slug"] for s in host.mock.get("/v1/sponsors", params={"size": 100}).json()["content"]]
    sponsors.select_option("demo-insurer")
    host.page.wait_for_selector('[data-form="member-id"]')
    search_beneficiary(host, **{"Número de afiliado": "DI-1000010"})
    assert "VIP member 1000010" in host.page.locator(".osigu-result").inner_text()
    press_continue(host)
    choose_products(host, "R51", {"MED-042": 1})
    press_continue(host)
    host.wait_step("review_and_submit")
    configuration = host.mock.get("/arc/v1/sponsors/demo-insurer/configuration", params={"product_type": "DRUG"}).json()
    host.page.get_by_label("Professional licence number").fill("GT-COL-4411")
    service = host.page.get_by_label("Service type")
    kinds = host.page.get_by_label("Authorization type")
    assert service.locator("option").all_inner_texts() == configuration["service_type_codes"]
    assert kinds.locator("option").all_inner_texts() == configuration["authorization_types"]["accepted"]
    service.select_option("OUTPATIENT")
    kinds.select_option("PRESCRIPTION")
    submit(host)
    outcome = host.wait_outcome()
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    assert (request["sponsor_slug"], request["beneficiary_id"]) == ("demo-insurer", 1000010)
    assert (request["professional_license_number"], request["service_type_code"], request["authorization_type"]) == (
        "GT-COL-4411",
        "OUTPATIENT",
        "PRESCRIPTION",
    )
    assert outcome["status"] == "COMPLETED" and outcome["authorizations"][0]["status"] == "APPROVED"


def test_prefill_fills_the_search_the_diagnosis_and_the_products(host):
    """approved-mx with async-sponsor (no document asked): every input comes from prefill."""
    prefill = {
        "beneficiarySearchInput": {"member_id": "AS-1000011"},
        "diagnosisCode": "J20",
        "products": [{"product_code": "MED-042", "quantity": 4, "posology": "1 cada 6 horas"}],
    }
    host.mount("preauth", "clinic", options={"sponsorSlug": "async-sponsor", "prefill": prefill})
    host.page.wait_for_selector(".osigu-form")
    assert host.page.locator('.osigu-form input[name="member_id"]').input_value() == "AS-1000011"
    host.page.get_by_role("button", name="Search", exact=True).click()
    host.page.wait_for_selector(".osigu-result .osigu-card")
    press_continue(host)
    host.wait_step("select_products")
    host.page.wait_for_selector('input[name="osigu-diagnosis"][value="J20"]:checked')
    row = host.page.locator('[data-product="MED-042"]')
    assert row.locator('input[type="checkbox"]').is_checked()
    assert row.get_by_label("Quantity").input_value() == "4"
    press_continue(host)
    host.wait_step("review_and_submit")
    submit(host)
    outcome = host.wait_outcome()
    request = host.mock.get(f"/arc/v1/authorization-requests/{outcome['authorization_request_id']}").json()
    assert [d["code"] for d in request["diagnoses"]] == ["J20"]
    assert [(p["product_code"], p["quantity"], p["posology"]) for p in request["products"]] == [
        ("MED-042", 4, "1 cada 6 horas")
    ]


def test_product_type_limits_the_list_to_the_providers_products_of_that_type(host):
    prefill = {"beneficiaryId": 1000001}
    host.mount(
        "preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox", "productType": "LAB", "prefill": prefill}
    )
    host.wait_step("search_beneficiary")
    press_continue(host)
    host.wait_step("select_products")
    host.page.wait_for_selector("[data-product]")
    shown = host.page.locator("[data-product]").evaluate_all("rows => rows.map(r => r.dataset.product)")
    registered = host.mock.get("/arc/v1/providers/products", params={"product_type": "LABORATORY", "size": 100})
    assert sorted(shown) == sorted(p["product_code"] for p in registered.json()["content"])
    assert "LAB-HEMO" in shown and "MED-042" not in shown


def test_an_indication_that_is_not_a_pdf_png_or_jpeg_is_refused_on_the_field(host):
    host.mount("preauth", "clinic", options={"sponsorSlug": "sponsor-sandbox", "prefill": {"beneficiaryId": 1000001}})
    host.wait_step("search_beneficiary")
    press_continue(host)
    choose_products(host, "R51", {"MED-042": 1})
    press_continue(host)
    host.wait_step("capture_indication")
    upload = host.page.locator('input[type="file"]')
    upload.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a document"})
    press_continue(host)
    assert upload.get_attribute("aria-invalid") == "true"
    assert host.page.locator(".osigu-w").get_attribute("data-step") == "capture_indication"
    assert not [c for c in host.calls() if c[0] == "POST" and c[1].startswith("/arc/")]
