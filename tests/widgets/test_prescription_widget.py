"""The prescription widget in headless Chromium, against the mock's REST API (contracts/README.md, "Widgets").

Patients are the seeded world's (README "E-prescriptions"): MARIA GONZALEZ (CC 1000000001) for the Colombian
office, LUCIA FERNANDEZ (DNI 12345678Z) for the Spanish one. Expected values come from the REST API read back
and from an independent computation (the v2 hash with the ``rfc8785`` package), never from the widget.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import rfc8785

from tests.widgets.conftest import make_host
from tests.widgets.outcomes import assert_valid_prescription_outcome


def step_actions(host):
    return host.page.locator(".osigu-step > .osigu-actions")


def press(host, name: str) -> None:
    step_actions(host).get_by_role("button", name=name, exact=True).click()


def find_patient(host, document_number: str) -> None:
    host.wait_step("resolve_patient")
    host.page.get_by_label("Patient document number").fill(document_number)
    host.page.locator(".osigu-step form.osigu-inline").get_by_role("button", name="Search").click()
    host.page.wait_for_selector('input[name="osigu-patient"]:checked')


def add_from_search(host, text: str) -> None:
    host.page.locator(".osigu-step form.osigu-inline input").fill(text)
    host.page.locator(".osigu-step form.osigu-inline").get_by_role("button", name="Search").click()
    host.page.locator(".osigu-pick").first.get_by_role("button").click()


def walk_to_consent(
    host,
    document_number: str,
    license_number: str,
    shoot: bool = False,
    doctor: str = "Dra. Ana Torres",
    posology: str = "1 tableta cada 8 horas",
) -> None:
    find_patient(host, document_number)
    if shoot:
        host.shoot("resolve_patient")
    press(host, "Continue")
    host.wait_step("select_diagnoses")
    add_from_search(host, "R51")
    host.page.wait_for_selector('[data-diagnosis="R51"]')
    if shoot:
        host.shoot("select_diagnoses")
    press(host, "Continue")
    host.wait_step("select_medications")
    add_from_search(host, "MED-042")
    row = host.page.locator('[data-medication="MED-042"]')
    row.get_by_label("Quantity").fill("20")
    row.get_by_label("Posology").fill(posology)
    row.get_by_label("Duration (days)").fill("7")
    if shoot:
        host.shoot("select_medications")
    press(host, "Continue")
    host.wait_step("review")
    host.page.get_by_label("Doctor’s name").fill(doctor)
    host.page.locator(".osigu-step fieldset input").nth(1).fill(license_number)
    if shoot:
        host.shoot("review")
    press(host, "Continue")
    host.wait_step("consent_prompt")


def consent_and_issue(host, shoot: bool = False) -> None:
    host.page.get_by_label("The patient gives consent").check()
    host.page.get_by_label("How the consent was given").select_option("VERBAL")
    if shoot:
        host.shoot("consent_prompt")
    press(host, "Issue the prescription")


def test_happy_path_issues_v1_1_and_emails_the_patient(host):
    # The mock clock two days behind the wall clock, frozen: the consent must be dated by the mock's now.
    mock_now = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    host.mock.set_clock(now=mock_now.strftime("%Y-%m-%dT%H:%M:%S.000Z"), frozen=True)
    host.mount("prescription", "doctors-office", options={"delivery": {"channel": "EMAIL"}, "theme": "light"})
    walk_to_consent(host, "1000000001", "MP-12345", shoot=True)
    consent_and_issue(host, shoot=True)
    outcome = host.wait_outcome()
    host.wait_step("outcome")
    host.shoot("outcome")

    assert_valid_prescription_outcome(outcome)
    assert host.steps() == [
        "resolve_patient",
        "select_diagnoses",
        "select_medications",
        "review",
        "consent_prompt",
        "issuing",
        "outcome",
    ]
    rx = host.mock.get(f"/ehr/v1/prescriptions/{outcome['prescription_id']}", role="doctors-office").json()
    assert rx["version"] == "v1.1"
    assert rx["consent"]["accepted"] is True and rx["consent"]["method"] == "VERBAL"
    assert rx["consent"]["accepted_at"] == mock_now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert outcome["prescription_code"] == rx["code"]
    assert outcome["version"] == "v1.1"
    assert outcome["issued_at"] == rx["created_at"]
    assert outcome["patient"] == {"patient_id": "3000001", "first_name": "MARIA", "last_name": "GONZALEZ"}
    assert outcome["diagnoses"] == [{"diagnosis_code": "R51", "description": "Headache"}]
    assert outcome["medications"] == [
        {
            "product_code": "MED-042",
            "product_name": rx["products"][0]["product_name"],
            "quantity": 20,
            "posology": "1 tableta cada 8 horas",
            "duration_days": 7,
        }
    ]
    assert [(p["product_code"], p["quantity"], p["posology"]) for p in rx["products"]] == [
        ("MED-042", 20, "1 tableta cada 8 horas")
    ]
    assert rx["doctor"]["name"] == "Dra. Ana Torres" and rx["doctor"]["medical_license_number"] == "MP-12345"
    # Delivery: the patient's address, and the e-mail in the outbox.
    assert outcome["delivery"] == {"channel": "EMAIL", "email": "maria.gonzalez@example.com", "delivered": True}
    (email,) = host.mock.outbox("EMAIL")
    assert email["to"] == "maria.gonzalez@example.com" and rx["code"] in email["subject"]
    mutations = [c for c in host.calls() if c[0] == "POST"]
    assert mutations[-2:] == [
        ("POST", "/ehr/v1.1/prescriptions", 201),
        ("POST", "/ehr/v1/prescriptions/{id}/email", 200),
    ]
    assert ("GET", "/widgets/v1/session", 200) in host.calls()
    assert host.console_errors == []


def spanish_office_v2(host) -> dict:
    host.mount("prescription", "doctors-office-es", options={"delivery": {"channel": "NONE"}, "locale": "en"})
    # Non-ASCII text: the hash is over the UTF-8 bytes of the canonical JSON.
    walk_to_consent(host, "12345678Z", "282812345", doctor="Dr. Íñigo Muñoz", posology="1 comprimido después de comer")
    consent_and_issue(host)
    outcome = host.wait_outcome()
    host.shoot("outcome-v2")
    assert_valid_prescription_outcome(outcome)
    assert outcome["version"] == "v2"
    assert outcome["delivery"] == {"channel": "NONE", "delivered": False}
    assert ("POST", "/ehr/v2/prescriptions", 201) in host.calls()
    rx = host.mock.get(f"/ehr/v1/prescriptions/{outcome['prescription_id']}", role="doctors-office-es").json()
    # The hash the browser computed, recomputed here from what the API stored, with an RFC 8785 library.
    signed = {
        "patient_id": rx["patient"]["id"],
        "doctor": {key: value for key, value in rx["doctor"].items() if value is not None},  # as sent
        "diagnoses": [{"diagnosis_code": d["code"]} for d in rx["diagnoses"]],
        "medications": [
            {
                "product_code": p["product_code"],
                "quantity": p["quantity"],
                "posology": p["posology"],
                "duration_days": t,
            }
            for p, t in zip(rx["products"], (t["duration_days"] for t in rx["treatments"]), strict=True)
        ],
        "consent": rx["consent"],
    }
    assert rx["signature"] == hashlib.sha256(rfc8785.dumps(signed)).hexdigest()
    assert rx["signed_document_id"]
    assert rx["doctor"]["country_code"] == "ES"
    return outcome


COUNT_DIGESTS = """
  window.__digests = 0;
  const digest = crypto.subtle.digest.bind(crypto.subtle);
  crypto.subtle.digest = function (...args) { window.__digests += 1; return digest(...args); };
"""


def test_spanish_office_issues_v2_with_the_hash_computed_by_web_crypto(host):
    host.page.add_init_script(COUNT_DIGESTS)
    spanish_office_v2(host)
    assert host.page.evaluate("window.__digests") == 1


def test_spanish_office_issues_v2_with_the_plain_javascript_hash_where_web_crypto_is_unavailable(host):
    # A page that is not a secure context has no crypto.subtle: the widget's own SHA-256 signs instead.
    host.page.add_init_script(
        "Object.defineProperty(window, 'isSecureContext', {value: false});"
        "Object.defineProperty(window.crypto, 'subtle', {value: undefined});"
    )
    spanish_office_v2(host)
    assert host.page.evaluate("window.crypto.subtle") is None


def test_link_delivery_gives_a_patient_page_served_by_the_mock(host):
    host.mount("prescription", "doctors-office", options={"delivery": {"channel": "LINK"}})
    walk_to_consent(host, "1000000001", "MP-12345")
    consent_and_issue(host)
    outcome = host.wait_outcome()
    assert_valid_prescription_outcome(outcome)
    link = outcome["delivery"]["link_url"]
    assert outcome["delivery"] == {"channel": "LINK", "link_url": link, "delivered": True}
    assert link.startswith(host.mock.url + "/widgets/v1/patient-links/")
    assert ("POST", "/widgets/v1/prescriptions/{id}/link", 201) in host.calls()
    host.page.goto(link)
    assert host.page.locator("#code").inner_text() == outcome["prescription_code"]
    assert "MARIA GONZALEZ" in host.page.content()


def test_consent_is_required_before_issuing(host):
    host.mount("prescription", "doctors-office")
    walk_to_consent(host, "1000000001", "MP-12345")
    press(host, "Issue the prescription")
    assert "consent" in host.alert()
    assert host.page.get_by_label("The patient gives consent").get_attribute("aria-invalid") == "true"
    assert not [c for c in host.calls() if "/prescriptions" in c[1]]


def test_before_issue_returning_false_cancels_without_any_prescription(host):
    host.mount("prescription", "doctors-office", beforeIssue="cancel")
    walk_to_consent(host, "1000000001", "MP-12345")
    consent_and_issue(host)
    host.page.wait_for_function("document.querySelector('.osigu-w [role=alert]').textContent.length > 0")
    assert "cancelled" in host.alert()
    assert not [c for c in host.calls() if "/prescriptions" in c[1]]
    assert host.events("complete") == []


def create_patient(host, first: str, last: str, document_type: str, number: str, born: str):
    """Open "Create a new patient" on resolve_patient, fill it and send it; the form's locator."""
    host.mount("prescription", "doctors-office")
    host.wait_step("resolve_patient")
    host.page.locator("summary").click()
    form = host.page.locator("details form")
    form.get_by_label("First name").fill(first)
    form.get_by_label("Last name").fill(last)
    form.get_by_label("Document type").select_option(document_type)
    form.get_by_label("Document number").fill(number)
    form.get_by_label("Date of birth").fill(born)
    form.get_by_role("button", name="Create a new patient").click()
    return form


def test_a_new_patient_is_created_through_the_api(host):
    create_patient(host, "JUAN", "PEREZ", "CC", "52123456", "1980-05-17")
    host.wait_step("select_diagnoses")
    (created,) = host.mock.get(
        "/ehr/v1/patients", params={"document_number": "52123456"}, role="doctors-office"
    ).json()["content"]
    assert (created["first_name"], created["last_name"], created["date_of_birth"]) == ("JUAN", "PEREZ", "1980-05-17")
    assert ("POST", "/ehr/v1/patients", 201) in host.calls()


def test_a_rest_refusal_is_shown_in_words_on_the_field(host):
    """A Spanish DNI with a wrong check letter: the API's 422 names the field; the widget shows it there."""
    form = create_patient(host, "ANA", "RUIZ", "DNI", "12345678A", "1980-05-17")
    host.page.wait_for_selector('details form input[aria-invalid="true"]')
    assert "(422)" in host.alert()
    assert form.get_by_label("Document number").get_attribute("aria-invalid") == "true"
    assert host.events("error") == []
    assert ("POST", "/ehr/v1/patients", 422) in host.calls()


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus (keyboard only, no clicks)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def keyboard_add(page, text: str) -> None:
    """Search the step's catalogue for ``text`` and add the first result, by keyboard."""
    tab_to(page, ".osigu-step form.osigu-inline input")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_selector(".osigu-pick button")
    tab_to(page, ".osigu-pick button")
    page.keyboard.press("Enter")


def keyboard_continue(page) -> None:
    """Tab to the step's main button (Continue, Issue) and press Enter."""
    tab_to(page, ".osigu-step > .osigu-actions .osigu-btn-primary")
    page.keyboard.press("Enter")


def assert_focus_visible(page) -> None:
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert style[0] != "none" and style[1] != "0px", style


def test_keyboard_only_completion_with_visible_focus(browser, osigu_mock_server, host_pages):
    """Tab, type, Space and Enter only, at 360 px wide: the whole prescription flow, no horizontal scrolling."""
    context, host = make_host(
        browser, osigu_mock_server, host_pages, "keyboard-360px", viewport={"width": 360, "height": 780}
    )
    try:
        page = host.page
        host.mount("prescription", "doctors-office", options={"delivery": {"channel": "LINK"}, "theme": "dark"})
        host.wait_step("resolve_patient")
        overflow = "() => document.documentElement.scrollWidth <= window.innerWidth"
        assert page.evaluate(overflow)
        tab_to(page, ".osigu-step form.osigu-inline input")
        assert_focus_visible(page)
        page.keyboard.type("1000000001")
        page.keyboard.press("Enter")
        page.wait_for_selector('input[name="osigu-patient"]:checked')
        host.shoot("resolve_patient")
        tab_to(page, ".osigu-step > .osigu-actions .osigu-btn-primary")
        assert_focus_visible(page)
        page.keyboard.press("Enter")
        host.wait_step("select_diagnoses")
        keyboard_add(page, "R51")
        page.wait_for_selector('[data-diagnosis="R51"]')
        host.shoot("select_diagnoses")
        assert page.evaluate(overflow)
        keyboard_continue(page)
        host.wait_step("select_medications")
        keyboard_add(page, "MED-042")
        page.wait_for_selector('[data-medication="MED-042"]')
        tab_to(page, '[data-medication="MED-042"] input[type="text"]')
        page.keyboard.type("1 cada 8 horas")
        host.shoot("select_medications")
        assert page.evaluate(overflow)
        keyboard_continue(page)
        host.wait_step("review")
        tab_to(page, ".osigu-step fieldset input")
        page.keyboard.type("Dr. Keyboard")
        page.keyboard.press("Tab")
        page.keyboard.type("MP-777")
        host.shoot("review")
        assert page.evaluate(overflow)
        keyboard_continue(page)
        host.wait_step("consent_prompt")
        tab_to(page, '.osigu-step input[type="checkbox"]')
        assert_focus_visible(page)
        page.keyboard.press("Space")
        host.shoot("consent_prompt")
        keyboard_continue(page)
        outcome = host.wait_outcome()
        host.wait_step("outcome")
        host.shoot("outcome")
        assert page.evaluate(overflow)
        assert_valid_prescription_outcome(outcome)
        assert outcome["medications"][0]["posology"] == "1 cada 8 horas"
        assert outcome["delivery"]["channel"] == "LINK" and outcome["delivery"]["delivered"] is True
    finally:
        context.close()


def test_prefill_and_a_confirmed_email_to_another_address(host):
    """Every input from prefill (the patient's document, the diagnosis, the medication, the doctor), telemetry,
    and delivery by e-mail to the address given, after the user confirms."""
    options = {
        "prefill": {
            "patientSearchInput": "1000000002",
            "diagnoses": [{"diagnosis_code": "J20"}],
            "medications": [
                {"product_code": "MED-042", "quantity": 10, "posology": "1 cada 12 horas", "duration_days": 5}
            ],
            "doctor": {"name": "Dr. Prefill", "medical_license_number": "MP-999"},
        },
        "delivery": {"channel": "EMAIL", "email": "cuidador@example.com", "confirmBeforeSend": True},
        "telemetry": {"trackingId": "rx-trk-1"},
    }
    host.mount("prescription", "doctors-office", options=options)
    host.wait_step("resolve_patient")
    host.page.wait_for_selector('input[name="osigu-patient"]:checked')
    press(host, "Continue")
    host.page.wait_for_selector('[data-diagnosis="J20"]')
    press(host, "Continue")
    host.page.wait_for_selector('[data-medication="MED-042"]')
    press(host, "Continue")
    host.wait_step("review")
    press(host, "Continue")
    host.wait_step("consent_prompt")
    consent_and_issue(host)
    host.page.get_by_role("button", name="Send", exact=True).wait_for()
    assert not [c for c in host.calls() if c[1].endswith("/email")]
    host.page.get_by_role("button", name="Send", exact=True).click()
    outcome = host.wait_outcome()
    assert_valid_prescription_outcome(outcome)
    assert outcome["telemetry_id"] == "rx-trk-1"
    assert outcome["patient"] == {"patient_id": "3000002", "first_name": "CARLOS", "last_name": "RAMIREZ"}
    assert outcome["delivery"] == {"channel": "EMAIL", "email": "cuidador@example.com", "delivered": True}
    (email,) = host.mock.outbox("EMAIL")
    assert email["to"] == "cuidador@example.com"
    rx = host.mock.get(f"/ehr/v1/prescriptions/{outcome['prescription_id']}", role="doctors-office").json()
    assert [d["code"] for d in rx["diagnoses"]] == ["J20"]
    assert [(p["product_code"], p["quantity"], p["posology"]) for p in rx["products"]] == [
        ("MED-042", 10, "1 cada 12 horas")
    ]
    assert [t["duration_days"] for t in rx["treatments"]] == [5]
    assert (rx["doctor"]["name"], rx["doctor"]["medical_license_number"]) == ("Dr. Prefill", "MP-999")


def test_the_example_page_mounts_both_widgets_with_tokens_from_its_proxy(host):
    """The README's example page, served by the mock: its tokens come from POST /widgets/example/token."""
    page = host.page
    page.goto(host.mock.url + "/widgets/example")
    page.get_by_role("button", name="Mount").click()
    page.wait_for_selector('.osigu-w [data-form="national-id"]')  # the sponsor's form: the token worked
    assert "onReady" in page.locator("#log").inner_text()
    page.get_by_label("Widget").select_option("prescription")
    page.get_by_label("Client").select_option("demo-doctors-office-es")
    page.get_by_label("Locale").select_option("es")
    page.get_by_role("button", name="Mount").click()
    page.wait_for_selector('.osigu-w[data-widget="rx"][data-step="resolve_patient"]')
    assert page.locator(".osigu-w").count() == 1  # the pre-authorization widget was unmounted
    assert page.locator(".osigu-w h2").inner_text() == "Receta electrónica"
    assert "secret" not in page.content().replace("the client secret never reaches the browser", "")
    assert host.console_errors == []
