"""The widgets' HTTP side (contracts/README.md, "Widgets"): the loader, the widget host's calls, the example page's
token proxy, cross-origin calls, and the challenge page as the widgets embed it. The widgets themselves run in
Chromium in tests/widgets/."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from starlette.testclient import TestClient

from tests.support.clients import error_of
from tests.support.flows import OTP_DO, complete, ready_request, schema_body
from tests.support.prescribing import CO_OFFICE, ES_OFFICE, issue, v11_body
from tests.support.state import fingerprint

ORIGIN = "http://localhost:3000"


@pytest.fixture
def auth(client):
    return client.bearer("demo-clinic")


# -- the loader ------------------------------------------------------------------------------------
def test_loader_defines_both_widgets_and_the_ready_promise_without_a_token(client):
    served = client.get("/widgets/v1/loader.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    for name in ("window.OsiguPreAuth", "window.OsiguPrescription", "window.osiguReady"):
        assert f"{name} =" in served.text


def test_pinned_loader_is_the_same_file_cached_for_a_year_and_the_moving_one_revalidates(client):
    moving = client.get("/widgets/v1/loader.js")
    pinned = client.get("/widgets/v1.2.0/loader.js")
    assert pinned.content == moving.content
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in moving.headers["cache-control"] and "max-age=300" in moving.headers["cache-control"]
    assert pinned.headers["etag"] == moving.headers["etag"]
    again = client.get("/widgets/v1.2.0/loader.js", headers={"If-None-Match": pinned.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_loader_is_gzipped_for_a_browser_that_accepts_it(client):
    plain = client.get("/widgets/v1/loader.js", headers={"Accept-Encoding": "identity"})
    raw = client.stream("GET", "/widgets/v1/loader.js", headers={"Accept-Encoding": "gzip"})
    with raw as response:
        assert response.headers["content-encoding"] == "gzip"
        body = b"".join(response.iter_raw())
    assert gzip.decompress(body) == plain.content
    assert len(body) < len(plain.content) / 3


def test_the_loader_and_the_example_page_are_not_journalled_but_the_session_call_is(client, auth):
    client.get("/widgets/v1/loader.js")
    client.get("/widgets/v1.2.0/loader.js")
    client.get("/widgets/example")
    client.get("/widgets/v1/session", headers=auth)
    paths = [e["path"] for e in client.get("/__admin/journal").json()["content"]]
    assert "/widgets/v1/session" in paths
    assert not [p for p in paths if p.startswith(("/widgets/v1/loader", "/widgets/example"))]


# -- the widget host's own calls -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("client_id", "country", "version"),
    [(ES_OFFICE, "ES", "v2"), (CO_OFFICE, "CO", "v1.1"), ("demo-clinic", "CO", "v1.1")],
)
def test_session_says_who_the_token_is_and_which_prescription_version_it_issues(client, client_id, country, version):
    answer = client.get("/widgets/v1/session", headers=client.bearer(client_id))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["client_id"], body["country_code"], body["prescription_version"]) == (client_id, country, version)


def test_session_now_is_the_mock_clocks_now(client):
    client.post("/__admin/clock", json={"now": "2027-03-04T05:06:07.000Z"})
    session = client.get("/widgets/v1/session", headers=client.bearer("demo-clinic"))
    assert session.json()["now"] == "2027-03-04T05:06:07.000Z"


def test_session_needs_a_token(client):
    assert error_of(client.get("/widgets/v1/session"))[:2] == (401, "MOCK-401-missing-token")


def prescription(client, auth) -> dict:
    return issue(client, auth, "v1.1", v11_body())


def test_a_patient_link_opens_the_prescription_without_credentials(client):
    office = client.bearer(CO_OFFICE)
    rx = prescription(client, office)
    created = client.post(f"/widgets/v1/prescriptions/{rx['id']}/link", headers=office)
    assert created.status_code == 201
    link = created.json()
    assert link["prescription_id"] == rx["id"]
    path = link["link_url"].replace("http://testserver", "")
    assert path == f"/widgets/v1/patient-links/{link['link_id']}"
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'id="code">{rx["code"]}<' in page.text and "MARIA GONZALEZ" in page.text
    # One link per prescription.
    again = client.post(f"/widgets/v1/prescriptions/{rx['id']}/link", headers=office).json()
    assert again["link_id"] == link["link_id"]


def test_a_patient_link_is_refused_for_another_providers_prescription_a_voided_one_and_without_ehr_write(client):
    office = client.bearer(CO_OFFICE)
    rx = prescription(client, office)
    other = client.post(f"/widgets/v1/prescriptions/{rx['id']}/link", headers=client.bearer(ES_OFFICE))
    assert error_of(other)[:2] == (404, "MOCK-404-prescription-not-found")
    readonly = client.post(f"/widgets/v1/prescriptions/{rx['id']}/link", headers=client.bearer("demo-readonly"))
    assert error_of(readonly)[:2] == (403, "MOCK-403-insufficient-scope")
    assert client.post(f"/ehr/v1/prescriptions/{rx['id']}/void", headers=office).status_code == 200
    voided = client.post(f"/widgets/v1/prescriptions/{rx['id']}/link", headers=office)
    assert error_of(voided)[:2] == (422, "MOCK-422-prescription-voided")


def test_an_unknown_patient_link_is_404_with_osigus_error_body(client):
    assert error_of(client.get("/widgets/v1/patient-links/rxl_nothing")) == (404, "MOCK-404-patient-link-not-found", [])


# -- the example page and its token proxy ----------------------------------------------------------
def test_the_example_page_loads_the_pinned_loader_from_this_mock_and_never_holds_a_secret(client):
    page = client.get("/widgets/example")
    assert page.status_code == 200
    assert '<script src="http://testserver/widgets/v1.2.0/loader.js"></script>' in page.text
    assert "secret" not in page.text.replace("the client secret never reaches the browser", "")


def test_the_token_proxy_exchanges_a_demo_clients_credentials_on_the_server(client):
    answer = client.post("/widgets/example/token", json={"client_id": ES_OFFICE})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    session = client.get("/widgets/v1/session", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert session.json()["client_id"] == ES_OFFICE
    default = client.post("/widgets/example/token")
    assert default.status_code == 200
    assert (
        client.get("/widgets/v1/session", headers={"Authorization": f"Bearer {default.json()['access_token']}"}).json()[
            "client_id"
        ]
        == "demo-clinic"
    )


def test_the_token_proxy_refuses_any_other_client(client):
    refused = client.post("/widgets/example/token", json={"client_id": "demo-readonly"})
    assert error_of(refused) == (422, "MOCK-422-validation-failed", ["client_id"])


# -- cross-origin calls ------------------------------------------------------------------------------
def test_a_preflight_is_answered_before_auth_and_is_not_journalled(client, app):
    # A preflight is no operation of the contract: sent past the suite's contract-checking client.
    answer = TestClient(app).options(
        "/arc/v1/authorization-requests",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert answer.headers["access-control-allow-headers"] == "authorization, content-type"
    assert answer.headers["access-control-max-age"] == "600"
    assert client.get("/__admin/journal").json()["content"] == []


def test_answers_to_a_browser_origin_allow_it_and_expose_the_headers_clients_read(client, auth):
    answer = client.get("/v1/sponsors", headers={**auth, "Origin": ORIGIN})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip() for h in answer.headers["access-control-expose-headers"].split(",")}
    assert {"Location", "Retry-After", "WWW-Authenticate", "X-Request-Id", "Osigu-Mock-Warning"} <= exposed
    refused = client.get("/v1/sponsors", headers={"Origin": ORIGIN})
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == "*"


def test_without_an_origin_nothing_changes(client, auth):
    answer = client.get("/v1/sponsors", headers=auth)
    assert "access-control-allow-origin" not in answer.headers
    # An OPTIONS that is not a preflight is the API's 405, as before.
    assert client.options("/v1/sponsors", headers={"Origin": ORIGIN}).status_code == 405


# -- the challenge page, embedded --------------------------------------------------------------------
def otp_challenge(client, auth) -> tuple[dict, str]:
    created = ready_request(client, auth, schema_body(OTP_DO, "sponsor-sandbox-do"), documents=())
    refused = complete(client, auth, created["id"]).json()
    assert refused["verification_required"] == "OTP"
    return created, refused["challenge_url"].replace("http://testserver", "")


def embedded(path: str, locale: str = "en") -> str:
    return f"{path}?origin={ORIGIN}&locale={locale}"


def form(client, path: str, body: str):
    return client.post(path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def posted_message(page: str) -> tuple[dict, str]:
    found = re.search(r"window\.parent\.postMessage\((\{.*?\}), (\"[^\"]*\")\);", page)
    assert found, page
    return json.loads(found.group(1)), json.loads(found.group(2))


def test_embedded_otp_page_sends_a_code_and_posts_the_token_to_the_embedding_origin_only(client, auth):
    created, path = otp_challenge(client, auth)
    page = client.get(embedded(path)).text
    assert 'value="send"' in page and 'value="MATCH"' not in page and "postMessage" not in page
    sent = form(client, embedded(path), "action=send")
    assert sent.status_code == 200 and 'name="code"' in sent.text
    (sms,) = client.get("/__admin/outbox?kind=OTP").json()["content"]
    assert sms["code"] == "123456" and sms["beneficiary_id"] == OTP_DO
    answered = form(client, embedded(path), "code=123456")
    message, target = posted_message(answered.text)
    assert target == ORIGIN
    assert message["type"] == "osigu:otp" and message["otp_verification_token"].startswith("otv_")
    # The page decided nothing: the token is the proof, and only the token completes the request.
    assert error_of(complete(client, auth, created["id"]))[:2] == (422, "MOCK-422-verification-required")
    forged = complete(client, auth, created["id"], {"otp_verification_token": "otv_forged"})
    assert error_of(forged)[:2] == (422, "MOCK-422-otp-token-invalid")
    done = complete(client, auth, created["id"], {"otp_verification_token": message["otp_verification_token"]})
    assert done.status_code == 200 and done.json()["status"] == "APPROVED"


def test_a_wrong_code_is_shown_on_the_page_and_three_lock_the_otp(client, auth):
    created, path = otp_challenge(client, auth)
    form(client, embedded(path), "action=send")
    for _ in range(2):
        wrong = form(client, embedded(path), "code=000000")
        assert wrong.status_code == 200 and "The code is wrong" in wrong.text and "postMessage" not in wrong.text
    locked = form(client, embedded(path), "code=000000")
    assert "locked" in locked.text
    right_too_late = form(client, embedded(path), "code=123456")
    assert "locked" in right_too_late.text and "postMessage" not in right_too_late.text
    assert 'id="status">PENDING<' in client.get(path).text
    assert error_of(complete(client, auth, created["id"]))[:2] == (422, "MOCK-422-verification-required")


def test_a_code_before_any_was_sent_is_refused_on_the_page(client, auth):
    _, path = otp_challenge(client, auth)
    page = form(client, embedded(path), "code=123456")
    assert page.status_code == 200 and "send a code first" in page.text and "postMessage" not in page.text


def test_the_embedded_page_speaks_the_widgets_locale(client, auth):
    _, path = otp_challenge(client, auth)
    assert "Enviar un código por SMS" in client.get(embedded(path, "es")).text
    assert "Enviar um código por SMS" in client.get(embedded(path, "pt-BR")).text
    assert 'lang="pt-BR"' in client.get(embedded(path, "pt-BR")).text


def test_the_embedded_page_takes_the_widgets_theme(client, auth):
    _, path = otp_challenge(client, auth)
    assert '<html lang="en" data-theme="dark">' in client.get(embedded(path) + "&theme=dark").text
    assert 'data-theme="auto"' in client.get(embedded(path) + "&theme=neon").text
    sent = form(client, embedded(path) + "&theme=dark", "action=send")
    assert 'action="?origin=http%3A%2F%2Flocalhost%3A3000&amp;locale=en&amp;theme=dark"' in sent.text


def test_an_origin_that_is_not_one_is_refused(client, auth):
    _, path = otp_challenge(client, auth)
    refused = client.get(f"{path}?origin=javascript:alert(1)")
    assert error_of(refused) == (422, "MOCK-422-validation-failed", ["origin"])


def test_a_biometric_decision_on_the_embedded_page_is_posted_to_the_widget(client, auth):
    from tests.api.test_preauthorizations import biometric_request

    created = biometric_request(client, auth)
    path = complete(client, auth, created["id"]).json()["challenge_url"].replace("http://testserver", "")
    page = client.get(embedded(path)).text
    assert 'value="MATCH"' in page and 'value="send"' not in page
    decided = form(client, embedded(path), "outcome=MATCH")
    message, target = posted_message(decided.text)
    assert (message, target) == ({"type": "osigu:challenge", "kind": "BIOMETRIC", "status": "MATCH"}, ORIGIN)
    assert complete(client, auth, created["id"]).json()["status"] == "APPROVED"


def test_the_page_without_an_origin_posts_nothing(client, auth):
    _, path = otp_challenge(client, auth)
    decided = form(client, path, "outcome=MATCH")
    assert decided.status_code == 200 and "postMessage" not in decided.text


# -- bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (b'{"client_id":', {"Content-Type": "application/json"}, (400, "MOCK-400-malformed-json", [])),
        (b"[1]", {"Content-Type": "application/json"}, (422, "MOCK-422-validation-failed", ["$"])),
        (
            b'{"client_id": 12}',
            {"Content-Type": "application/json"},
            (422, "MOCK-422-validation-failed", ["client_id", "client_id"]),  # not a string, not a demo client
        ),
        (b"client_id=demo-clinic", {"Content-Type": "text/plain"}, (415, "MOCK-415-unsupported-media-type", [])),
        (
            b"{" + b" " * (1024 * 1024) + b"}",
            {"Content-Type": "application/json"},
            (413, "MOCK-413-payload-too-large", []),
        ),
    ],
)
def test_bad_bodies_to_the_token_proxy_get_osigus_error_body_and_change_nothing(
    client, sandbox, body, headers, expected
):
    before = fingerprint(sandbox)
    assert error_of(client.post("/widgets/example/token", content=body, headers=headers)) == expected
    assert fingerprint(sandbox) == before


def test_a_malformed_or_unknown_prescription_id_for_a_link_is_refused_without_a_link(client):
    office = client.bearer(CO_OFFICE)
    malformed = client.post("/widgets/v1/prescriptions/abc/link", headers=office)
    assert error_of(malformed) == (400, "MOCK-400-invalid-parameter", ["prescription_id"])
    unknown = client.post("/widgets/v1/prescriptions/99999/link", headers=office)
    assert error_of(unknown) == (404, "MOCK-404-prescription-not-found", [])
    assert client.get("/__admin/snapshot").json()["patient_links"] == []
