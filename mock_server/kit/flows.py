"""Every documented flow, end to end, as steps the kit runs against a target.

A flow is a list of steps; each step names what it needs beyond the documented API (:mod:`.connection`:
writes, the mock's control plane, its clock, its personas, loopback webhooks). A step whose needs the target
lacks is reported ``mock-only``, never as a pass, and so are the steps after it (they build on it); a step that
fails makes the rest ``skipped``. Every response of every step also goes through the drift comparison
(:mod:`.drift`), so a flow checks the target's answers against ``contracts/`` as it goes.

The values are the ones OSIGU's guides use (MARIA GONZALEZ, CC 1000000001, ``MED-042``, ``R51``; see
``contracts/facts/examples.yaml``), which the mock's seeded world holds; on the real sandbox the beneficiary comes
from the environment (:mod:`.target`) and the product from the provider's own registered products.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import rfc8785

from mock_server.core.signing import SIGNATURE_HEADER, WebhookSignatureError, verify
from mock_server.kit.connection import ADMIN, CLOCK, PERSONAS, WRITES, Connection
from mock_server.kit.target import DEMO_CLIENTS

__all__ = ["BENEFICIARY", "FLOWS", "LOOPBACK_WEBHOOKS", "Check", "Flow", "Step", "run_flows"]

LOOPBACK_WEBHOOKS = "loopback webhooks"  # an http:// receiver on this machine (OSIGU itself wants https)
BENEFICIARY = "a test beneficiary"  # OSIGU_TEST_* on the real sandbox (it has no personas)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
# The v2 signed fields (contracts/openapi.yaml, createPrescriptionV2): the SHA-256 of their RFC 8785 form.
SIGNED_FIELDS = ("patient_id", "doctor", "diagnoses", "medications", "consent")


@dataclass
class Check:
    flow: str
    step: str
    status: str  # passed | failed | mock-only | skipped
    needs: list[str] = field(default_factory=list)
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"flow": self.flow, "step": self.step, "status": self.status, "needs": self.needs, "detail": self.detail}


class StepFailed(Exception):
    pass


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Run], None]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]


class Run:
    """What the steps of one flow share: the connection, and what earlier steps found."""

    def __init__(self, connection: Connection, seed: int = 0) -> None:
        self.conn = connection
        self.state: dict[str, Any] = {}
        self.random = random.Random(seed)

    def call(self, role: str, method: str, path: str, expect: int | tuple[int, ...], **kwargs: Any) -> Any:
        answer = self.conn.session(role).request(method, path, **kwargs)
        return _expect(answer, method, path, expect)

    def admin(self, method: str, path: str, expect: int | tuple[int, ...], **kwargs: Any) -> Any:
        return _expect(self.conn.admin(method, path, **kwargs), method, path, expect)

    @property
    def beneficiary(self):
        return self.conn.target.beneficiary

    def now(self, minus_minutes: int = 5) -> str:
        return (datetime.now(UTC) - timedelta(minutes=minus_minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expect(answer: Any, method: str, path: str, expect: int | tuple[int, ...]) -> Any:
    wanted = (expect,) if isinstance(expect, int) else expect
    if answer.status_code not in wanted:
        raise StepFailed(
            f"{method} {path} answered {answer.status_code}, not {'/'.join(map(str, wanted))}: {answer.text[:300]}"
        )
    if not answer.content:
        return None
    try:
        return answer.json()
    except ValueError:
        return answer.text


def has(conn: Connection, need: str) -> bool:
    if need == LOOPBACK_WEBHOOKS:
        return conn.is_mock
    if need == BENEFICIARY:
        return conn.target.beneficiary is not None
    return conn.has(need)


def run_flows(
    conn: Connection, flows: tuple[Flow, ...] | None = None, progress: Callable[[Check], None] | None = None
) -> list[Check]:
    checks: list[Check] = []
    for flow in flows or FLOWS:
        run, blocked = Run(conn), ""
        for step in flow.steps:
            lacking = [need for need in step.needs if not has(conn, need)]
            if blocked.startswith("mock-only"):
                check = Check(
                    flow.name, step.name, "mock-only", list(step.needs), f"builds on a mock-only step ({blocked[10:]})"
                )
            elif blocked:
                check = Check(
                    flow.name, step.name, "skipped", list(step.needs), f"builds on a step that did not pass ({blocked})"
                )
            elif lacking:
                # A test beneficiary is the caller's to give; anything else is what only the mock offers.
                status = "skipped" if lacking == [BENEFICIARY] else "mock-only"
                reason = _why(lacking)
                check = Check(flow.name, step.name, status, list(step.needs), reason)
                blocked = f"{status} {step.name}" if status == "mock-only" else step.name
            else:
                try:
                    step.run(run)
                    check = Check(flow.name, step.name, "passed", list(step.needs))
                except StepFailed as problem:
                    check, blocked = Check(flow.name, step.name, "failed", list(step.needs), str(problem)), step.name
                except Exception as problem:  # the target answered something the step cannot read
                    detail = f"{type(problem).__name__}: {problem}"
                    check, blocked = Check(flow.name, step.name, "failed", list(step.needs), detail), step.name
            checks.append(check)
            if progress is not None:
                progress(check)
    return checks


def _why(lacking: list[str]) -> str:
    texts = {
        WRITES: "writes, which this target gets only with --allow-writes",
        BENEFICIARY: "a test beneficiary: set OSIGU_TEST_SPONSOR_SLUG, OSIGU_TEST_DOCUMENT_TYPE and "
        "OSIGU_TEST_DOCUMENT_NUMBER",
    }
    return "needs " + ", ".join(texts.get(need, f"the {need}") for need in lacking)


# -- shared pieces ------------------------------------------------------------------------------------------
def _product(run: Run, role: str) -> str:
    """A medication the role's provider has registered: MED-042 where it has (the guides' example)."""
    page = run.call(role, "GET", "/arc/v1/providers/products", 200, params={"product_type": "MEDICATION", "size": 100})
    codes = [item["product_code"] for item in page["content"]]
    if not codes:
        raise StepFailed("the provider has no medication registered")
    return "MED-042" if "MED-042" in codes else codes[0]


def _beneficiary_id(run: Run) -> int:
    if "beneficiary_id" not in run.state:
        who = run.beneficiary
        found = run.call("clinic", "POST", f"/v1/sponsors/{who.sponsor_slug}/search", 200, json=dict(who.search))
        run.state["beneficiary_id"] = who.beneficiary_id or found["beneficiary_id"]
    return run.state["beneficiary_id"]


def _authorize(
    run: Run, role: str = "clinic", beneficiary_id: int | None = None, sponsor: str | None = None, otp: bool = False
) -> dict[str, Any]:
    """Initiate (the guide's body), attach what the sponsor's configuration requires, complete: the request."""
    sponsor = sponsor or run.beneficiary.sponsor_slug
    beneficiary_id = beneficiary_id or _beneficiary_id(run)
    product = run.state.setdefault("product", _product(run, role))
    body = {
        "beneficiary_id": beneficiary_id,
        "sponsor_slug": sponsor,
        "diagnosis_code": "R51",
        "products": [{"product_code": product, "product_type": "DRUG", "quantity": 2, "posology": "1c/8h"}],
    }
    created = run.call(role, "POST", "/arc/v1/authorization-requests", 201, json=body)
    configuration = run.call(
        role, "GET", f"/arc/v1/sponsors/{sponsor}/configuration", 200, params={"product_type": "DRUG"}
    )
    for document_type in configuration.get("required_documents", []):
        run.call(
            role,
            "POST",
            f"/arc/v1/authorization-requests/{created['id']}/indications",
            201,
            json={
                "document_type": document_type,
                "file_name": "indicacion.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            },
        )
    extra = {"otp_verification_token": _otp_token(run, role, beneficiary_id, sponsor)} if otp else {}
    completed = run.call(role, "POST", f"/arc/v1/authorization-requests/{created['id']}/complete", 200, json=extra)
    # READY: approved and redeemable (contracts/schemas/authorization.schema.json).
    approved = [a for a in completed.get("authorizations", []) if a.get("status") == "READY"]
    if not approved:
        raise StepFailed(f"no READY authorization: the request is {completed.get('status')}")
    return {"request": completed, "authorization": approved[0]}


def _otp_token(run: Run, role: str, beneficiary_id: int, sponsor: str) -> str:
    sent = run.call(
        role,
        "POST",
        "/otp/generate",
        201,
        json={"beneficiary_id": beneficiary_id, "sponsor_slug": sponsor, "channel": "SMS"},
    )
    code = run.state["persona"]["otp_code"]
    checked = run.call(role, "POST", "/otp/validate", 200, json={"otp_id": sent["otp_id"], "code": code})
    return checked["otp_verification_token"]


def _persona(run: Run, behaviour: str) -> dict[str, Any]:
    world = run.admin("GET", "/__admin/world", 200)
    persona = next((p for p in world["personas"] if p["behaviour"] == behaviour), None)
    if persona is None:
        raise StepFailed(f"the world has no {behaviour} persona")
    return persona


def _dispense(
    run: Run, role: str, code: str, beneficiary_id: int | None, verification: dict[str, Any] | None = None
) -> dict[str, Any]:
    start = {"code": code, **({"beneficiary_id": beneficiary_id} if beneficiary_id else {})}
    started = run.call(role, "POST", "/dispensing/v1/dispensations", 201, json=start)
    invoice = {
        "amount": started["amount"],
        "document_number": f"FAC-{run.random.randrange(10**6):06d}",
        "document_date": run.now(),
    }
    return run.call(
        role,
        "POST",
        f"/dispensing/v1/dispensations/{started['dispensation_id']}/complete",
        200,
        json={**invoice, **(verification or {})},
    )


def _expect_value(what: str, actual: Any, expected: Any) -> None:
    if actual != expected:
        raise StepFailed(f"{what} is {actual!r}, not {expected!r}")


# -- the flows ----------------------------------------------------------------------------------------------
def _token(run: Run) -> None:
    session = run.conn.session("clinic")
    token = session.token()
    payload = token.split(".")[1] if token.count(".") == 2 else ""
    if payload:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if "exp" not in claims:
            raise StepFailed("the access token (a JWT) carries no exp")


def _forms(run: Run) -> None:
    forms = run.call("clinic", "GET", f"/v1/sponsors/{run.beneficiary.sponsor_slug}/forms", 200)
    if not forms:
        raise StepFailed("the sponsor offers no search form")


def _search(run: Run) -> None:
    run.state.pop("beneficiary_id", None)
    _beneficiary_id(run)


def _configuration(run: Run) -> None:
    found = run.call(
        "clinic",
        "GET",
        f"/arc/v1/sponsors/{run.beneficiary.sponsor_slug}/configuration",
        200,
        params={"product_type": "DRUG"},
    )
    _expect_value("configuration.sponsor_slug", found.get("sponsor_slug"), run.beneficiary.sponsor_slug)


def _preauthorize(run: Run) -> None:
    run.state.update(_authorize(run))


def _read_request(run: Run) -> None:
    request = run.state["request"]
    again = run.call("clinic", "GET", f"/arc/v1/authorization-requests/{request['id']}", 200)
    _expect_value("the request's status", again["status"], request["status"])


def _read_authorization(run: Run) -> None:
    authorization = run.state["authorization"]
    again = run.call("clinic", "GET", f"/arc/v1/authorizations/{authorization['id']}", 200)
    _expect_value("the authorization's code", again["code"], authorization["code"])
    run.call("clinic", "GET", "/arc/v1/authorizations", 200, params={"beneficiary_id": authorization["beneficiary_id"]})


def _dispense_authorization(run: Run) -> None:
    authorization = run.state["authorization"]
    done = _dispense(run, "pharmacy", authorization["code"], authorization["beneficiary_id"])
    _expect_value("the dispensation's status", done["status"], "COMPLETED")
    again = run.call("pharmacy", "GET", f"/dispensing/v1/dispensations/{done['dispensation_id']}", 200)
    _expect_value("the dispensation read back", again["status"], "COMPLETED")
    if not done.get("claim"):
        raise StepFailed("completing an authorization's dispensation generated no claim")
    run.state["claim"] = done["claim"]


def _read_generated_claim(run: Run) -> None:
    claim = run.call("pharmacy", "GET", f"/arc/v1/claims/{run.state['claim']['id']}", 200)
    _expect_value("the claim's authorization", claim["authorization_id"], run.state["authorization"]["id"])


def _claim_against_authorization(run: Run) -> None:
    authorization = run.state["authorization"]
    lines = [
        {"authorization_product_id": p["id"], "price": 10.0, "quantity": 1}
        for p in authorization["products"]
        if p.get("status") in (None, "APPROVED")
    ]
    claim = run.call(
        "clinic", "POST", f"/arc/v1/authorizations/{authorization['id']}/claims", 201, json={"products": lines}
    )
    _expect_value("the claim's status", claim["status"], "COMPLETED")


def _outpatient_claim(run: Run) -> None:
    body = {
        "beneficiary_id": _beneficiary_id(run),
        "sponsor_slug": run.beneficiary.sponsor_slug,
        "doctor_medical_license_number": "MP-12345",
        "doctor_country_code": "CO",
        "doctor_name": "Dra. Ana Pérez",
        "diagnoses": [{"coding_system": "ICD-10", "code": "R51", "type_enum": "CHIEF_COMPLAINT"}],
        "authorization_id": run.state["authorization"]["id"],
        "line_items": [{"product_code": run.state["product"], "product_type": "DRUG", "quantity": 1}],
    }
    monitor = run.call("clinic", "POST", "/arc/v1/outpatient-care-claim", 202, json=body)["monitor_resource"]
    run.state["monitor"] = monitor
    run.call("clinic", "GET", f"/arc/v1/outpatient-care-claim/monitors/{monitor['id']}", 200)


def _outpatient_claim_completes(run: Run) -> None:
    run.admin("POST", "/__admin/clock/advance", 200, json={"seconds": 11})
    path = f"/arc/v1/outpatient-care-claim/monitors/{run.state['monitor']['id']}"
    monitor = run.call("clinic", "GET", path, 200)["monitor_resource"]
    if monitor["status"] != "COMPLETED":
        raise StepFailed(f"the monitor is {monitor['status']} 11 s later")


def _patient(run: Run, role: str, document_type: str, document_number: str) -> int:
    body = {
        "first_name": "ANA",
        "last_name": "PEREZ",
        "document_type": document_type,
        "document_number": document_number,
        "date_of_birth": "1990-04-11",
    }
    return run.call(role, "POST", "/ehr/v1/patients", 201, json=body)["patient_id"]


def _prescription_body(run: Run, role: str, patient_id: int, doctor: dict[str, str]) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "doctor": doctor,
        "diagnoses": [{"diagnosis_code": "R51"}],
        "medications": [
            {"product_code": _product(run, role), "quantity": 30, "posology": "1c/8h", "duration_days": 10}
        ],
    }


CO_DOCTOR = {"name": "Dra. Ana Gómez", "medical_license_number": "MP-12345", "country_code": "CO"}
ES_DOCTOR = {"name": "Dr. Luis Martín", "medical_license_number": "282812345", "country_code": "ES"}


def _create_patient(run: Run) -> None:
    run.state["patient_id"] = _patient(run, "doctors-office", "CC", str(run.random.randrange(10**9, 10**10)))
    found = run.call("doctors-office", "GET", f"/ehr/v1/patients/{run.state['patient_id']}", 200)
    _expect_value("the patient's id", found["patient_id"], run.state["patient_id"])


def _issue(version: str) -> Callable[[Run], None]:
    def issue(run: Run) -> None:
        body = _prescription_body(run, "doctors-office", run.state["patient_id"], CO_DOCTOR)
        if version == "v1.1":
            body["consent"] = {"accepted": True, "accepted_at": run.now(), "method": "DIGITAL"}
        issued = run.call("doctors-office", "POST", f"/ehr/{version}/prescriptions", 201, json=body)
        again = run.call("doctors-office", "GET", f"/ehr/v1/prescriptions/{issued['id']}", 200)
        _expect_value("the prescription's code", again["code"], issued["code"])
        run.state.setdefault("prescriptions", []).append(issued)

    return issue


def _issue_v2(run: Run) -> None:
    number = run.random.randrange(10**7, 10**8)
    patient_id = _patient(run, "doctors-office-es", "DNI", f"{number}{DNI_LETTERS[number % 23]}")
    body = _prescription_body(run, "doctors-office-es", patient_id, ES_DOCTOR)
    body["consent"] = {"accepted": True, "accepted_at": run.now(), "method": "DIGITAL"}
    signed = hashlib.sha256(rfc8785.dumps({key: body.get(key) for key in SIGNED_FIELDS})).hexdigest()
    body["signature"] = {"algorithm": "SHA-256", "hash": signed, "signed_at": run.now(1)}
    issued = run.call("doctors-office-es", "POST", "/ehr/v2/prescriptions", 201, json=body)
    if not issued.get("signed_document_id"):
        raise StepFailed("a v2 prescription without signed_document_id")


def _dispense_prescription(run: Run) -> None:
    prescription = run.state["prescriptions"][0]
    done = _dispense(run, "pharmacy", prescription["code"], None)
    _expect_value("the dispensation's status", done["status"], "COMPLETED")
    again = run.call("doctors-office", "GET", f"/ehr/v1/prescriptions/{prescription['id']}", 200)
    _expect_value("the prescription's status", again["status"], "DISPENSED")


def _settlement_claim(run: Run) -> None:
    persona = run.state["persona"] = _persona(run, "otp")
    done = _authorize(run, "clinic", persona["beneficiary_id"], persona["sponsor_slug"], otp=True)
    authorization = done["authorization"]
    token = _otp_token(run, "pharmacy-do", persona["beneficiary_id"], persona["sponsor_slug"])
    dispensed = _dispense(run, "pharmacy-do", authorization["code"], None, {"otp_verification_token": token})
    run.state.update(authorization=authorization, period=dispensed["completed_at"][:7], sponsor=persona["sponsor_slug"])


def _start_settlement(run: Run) -> None:
    batch = run.call(
        "pharmacy-do",
        "POST",
        "/v3/settlements",
        200,
        json={"sponsor_slug": run.state["sponsor"], "period": run.state["period"]},
    )
    _expect_value("the batch's status", batch["status"], "OPEN")
    run.state["settlement"] = batch


def _attach_settlement(run: Run) -> None:
    settlement_id = run.state["settlement"]["settlement_id"]
    pending = run.call("pharmacy-do", "GET", f"/v3/settlements/{settlement_id}/pending-authorizations", 200)
    wanted = run.state["authorization"]["id"]
    if wanted not in [item["authorization_id"] for item in pending["content"]]:
        raise StepFailed("the redeemed authorization is not pending settlement")
    batch = run.call(
        "pharmacy-do",
        "POST",
        f"/v3/settlements/{settlement_id}/authorizations",
        200,
        json={"authorization_ids": [wanted]},
    )
    run.state["settlement"] = batch


def _complete_settlement(run: Run) -> None:
    batch = run.state["settlement"]
    invoice = {
        "invoice_number": f"B01{run.random.randrange(10**8):08d}",
        "invoice_date": run.now(),
        "invoice_amount": batch["total_amount"],
    }
    done = run.call("pharmacy-do", "POST", f"/v3/settlements/{batch['settlement_id']}/complete", 200, json=invoice)
    _expect_value("the batch's status", done["status"], "SUBMITTED")


def _settlement_paid(run: Run) -> None:
    settlement_id = run.state["settlement"]["settlement_id"]
    run.admin("POST", f"/__admin/settlements/{settlement_id}/decision", 200, json={"outcome": "ACCEPTED"})
    claims = run.call(
        "pharmacy-do", "GET", "/arc/v1/claims", 200, params={"authorization_id": run.state["authorization"]["id"]}
    )
    statuses = {claim["status"] for claim in claims["content"]}
    _expect_value("the batch's claims", statuses, {"PAID"})


class _Receiver:
    """A webhook receiver on 127.0.0.1 that keeps what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str | None]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.arrived:
                    receiver.received.append((body, self.headers.get(SIGNATURE_HEADER)))
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def wait_for(self, event_type: str, timeout: float = 10.0) -> tuple[bytes, str | None]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while time.monotonic() < deadline:
                for body, signature in self.received:
                    if json.loads(body).get("event_type") == event_type:
                        return body, signature
                self.arrived.wait(0.1)
        raise StepFailed(f"no {event_type} delivery within {timeout:.0f} s")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def _receiving(run: Run) -> Iterator[_Receiver]:
    receiver = _Receiver()
    try:
        yield receiver
    finally:
        receiver.close()


def _subscribe_and_receive(run: Run) -> None:
    with _receiving(run) as receiver:
        subscription = run.call(
            "clinic",
            "POST",
            "/webhooks/v1/subscriptions",
            201,
            json={"url": receiver.url, "event_types": ["authorization.*"]},
        )
        try:
            listed = run.call("clinic", "GET", "/webhooks/v1/subscriptions", 200)
            if subscription["id"] not in [item["id"] for item in listed["content"]]:
                raise StepFailed("the new subscription is not listed")
            trigger = {"event_type": "authorization.created", "provider_slug": DEMO_CLIENTS["clinic"][0]}
            run.admin("POST", "/__admin/events", 201, json=trigger)
            body, header = receiver.wait_for("authorization.created")
            run.conn.on_webhook("authorization.created", body)
            try:
                verify(body, header, subscription["signing_secret"])
            except WebhookSignatureError as problem:
                raise StepFailed(f"the delivery's signature does not verify: {problem}") from problem
        finally:
            run.call("clinic", "DELETE", f"/webhooks/v1/subscriptions/{subscription['id']}", 204)


FLOWS: tuple[Flow, ...] = (
    Flow("token", (Step("client credentials give a bearer JWT", _token),)),
    Flow(
        "sponsor lookup",
        (
            Step("the sponsor's search forms", _forms, (BENEFICIARY,)),
            Step("the beneficiary is found", _search, (BENEFICIARY,)),
            Step("the sponsor's configuration for DRUG", _configuration, (BENEFICIARY,)),
        ),
    ),
    Flow(
        "pre-authorization",
        (
            Step("initiate, attach the documents the sponsor requires, complete", _preauthorize, (BENEFICIARY, WRITES)),
            Step("read the request back", _read_request, (BENEFICIARY,)),
            Step("read and list the authorization", _read_authorization, (BENEFICIARY,)),
        ),
    ),
    Flow(
        "dispensing with auto-claim",
        (
            Step("a fresh authorization", _preauthorize, (BENEFICIARY, WRITES)),
            Step(
                "the pharmacy dispenses its code, and a claim is generated",
                _dispense_authorization,
                (BENEFICIARY, WRITES),
            ),
            Step("the generated claim reads back", _read_generated_claim, (BENEFICIARY,)),
        ),
    ),
    Flow(
        "direct claims",
        (
            Step("a fresh authorization", _preauthorize, (BENEFICIARY, WRITES)),
            Step("a claim against the authorization's lines", _claim_against_authorization, (BENEFICIARY, WRITES)),
            Step("an outpatient-care claim and its monitor", _outpatient_claim, (BENEFICIARY, WRITES)),
            Step("the monitor finishes on the clock", _outpatient_claim_completes, (CLOCK,)),
        ),
    ),
    Flow(
        "e-prescriptions",
        (
            Step("create a patient and read it", _create_patient, (WRITES,)),
            Step("issue a v1 prescription and read it", _issue("v1"), (WRITES,)),
            Step("issue a v1.1 prescription (consent) and read it", _issue("v1.1"), (WRITES,)),
            Step("issue a signed v2 prescription (Spain)", _issue_v2, (WRITES,)),
            Step("the pharmacy dispenses the v1 prescription", _dispense_prescription, (WRITES,)),
        ),
    ),
    Flow(
        "settlements",
        (
            Step("a redeemed claim on a batch sponsor (the otp persona)", _settlement_claim, (PERSONAS, WRITES)),
            Step("start a batch", _start_settlement, (WRITES,)),
            Step("the claim is pending, and attached", _attach_settlement, (WRITES,)),
            Step("complete the batch with its invoice", _complete_settlement, (WRITES,)),
            Step("the sponsor accepts, the claims are PAID", _settlement_paid, (ADMIN,)),
        ),
    ),
    Flow(
        "webhooks",
        (
            Step(
                "subscribe, receive a signed authorization.created, unsubscribe",
                _subscribe_and_receive,
                (LOOPBACK_WEBHOOKS, ADMIN, WRITES),
            ),
        ),
    ),
)
