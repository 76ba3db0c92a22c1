"""Electronic prescriptions, v1, v1.1 and v2 (API.md "Electronic prescriptions (EHR)").

Each version accepts a superset of the previous one:

- **v1**: ``{patient_id, doctor: {name, medical_license_number, country_code?}, diagnoses[{diagnosis_code}],
  medications[{product_code, quantity, posology, duration_days}]}``. Every medication must be one of the
  provider's registered products (``071-104``).
- **v1.1**: v1 plus the patient-data consent ``consent: {accepted: true, accepted_at, method}``.
- **v2**: v1.1 plus ``signature: {algorithm: SHA-256, hash, signed_at}`` for Spain's national repository:
  ``hash`` is the lowercase hex SHA-256 of the RFC 8785 canonical JSON of
  ``{patient_id, doctor, diagnoses, medications, consent}`` as sent; the doctor practises in ES with a
  9-digit colegiado number; the patient holds a DNI or NIE with a valid check letter. The mock verifies all
  of it and answers with a ``signed_document_id`` and a repository registration.

A prescription gets a 12-digit ``code`` (unique among every authorization and prescription code), lives
30 days on the mock clock, and its items move through the documented item statuses when a pharmacy
redeems it (the redemption rules at the end of this module; the dispensing flow calls them).

Item statuses: ``DISPENSABLE`` -> ``LOCKED`` (a dispensation is STARTED) -> ``DISPENSED`` |
``PARTIALLY_DISPENSED`` | ``SUBSTITUTED`` | ``PARTIALLY_SUBSTITUTED``, or back to what it was when the
dispensation is cancelled; ``DISPENSABLE``/``PARTIALLY_DISPENSED`` -> ``EXPIRED`` at expiry.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import rfc8785

from mock_server.core.clock import format_instant, parse_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import events, identity, outbox
from mock_server.domain.catalog import is_registered
from mock_server.domain.ledger import timer_action

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger
    from mock_server.domain.oauth import Principal
    from mock_server.domain.patients import Patient

__all__ = [
    "VALIDITY_DAYS",
    "VERSIONS",
    "Prescription",
    "canonical_hash",
    "check_redeemable",
    "email",
    "explain_code",
    "issue",
    "item_view",
    "lock",
    "prescription_view",
    "settle",
    "unlock",
    "void",
]

VERSIONS = ("v1", "v1.1", "v2")
VALIDITY_DAYS = 30  # inferred
CONSENT_METHODS = ("VERBAL", "WRITTEN", "DIGITAL")
SIGNED_FIELDS = ("patient_id", "doctor", "diagnoses", "medications", "consent")
COLEGIADO = re.compile(r"^[0-9]{9}$")
REPOSITORY = "SNS-RECETA-ELECTRONICA"
# Item statuses a pharmacy may still redeem.
REDEEMABLE = ("DISPENSABLE", "PARTIALLY_DISPENSED", "PARTIALLY_SUBSTITUTED")
DONE = ("DISPENSED", "SUBSTITUTED")


@dataclass
class PrescriptionItem:
    id: int
    product_id: int
    product_code: str
    product_name: str
    quantity: int
    posology: str | None
    duration_days: int | None
    status: str = "DISPENSABLE"
    dispensed_quantity: int = 0
    substitute_product_code: str | None = None
    locked_by: int | None = None  # the STARTED dispensation holding the item
    status_before_lock: str | None = None


@dataclass
class Prescription:
    id: int
    code: str
    version: str
    provider_slug: str
    patient_id: int
    doctor: dict[str, Any]
    diagnoses: list[dict[str, Any]]
    items: list[PrescriptionItem]
    created_at: float
    expires_at: float
    status: str = "ISSUED"  # ISSUED | PARTIALLY_DISPENSED | DISPENSED | VOIDED | EXPIRED
    consent: dict[str, Any] | None = None
    signature_hash: str | None = None
    signed_document_id: str | None = None
    repository_registration: dict[str, Any] | None = None
    expiry_timer_id: str | None = None
    dispensation_logs: list[dict[str, Any]] = field(default_factory=list)


def canonical_hash(body: dict[str, Any]) -> str:
    """The v2 signed hash: SHA-256 of the RFC 8785 canonical JSON of the signed fields, as sent."""
    signed = {key: body.get(key) for key in SIGNED_FIELDS}
    return hashlib.sha256(rfc8785.dumps(signed)).hexdigest()


def _check_consent(body: dict[str, Any], problems: list[FieldError]) -> None:
    consent = body.get("consent")
    if not isinstance(consent, dict):
        problems.append(FieldError("consent", "is required from v1.1 on (the patient's consent to process their data)"))
        return
    if consent.get("accepted") is not True:
        problems.append(FieldError("consent.accepted", "must be true"))
    if consent.get("method") not in CONSENT_METHODS:
        problems.append(FieldError("consent.method", "must be one of " + ", ".join(CONSENT_METHODS)))
    try:
        parse_instant(str(consent.get("accepted_at", "")))
    except ValueError:
        problems.append(FieldError("consent.accepted_at", "must be a date-time"))


def _check_v2(patient: Patient | None, body: dict[str, Any], problems: list[FieldError]) -> None:
    doctor = body.get("doctor") or {}
    if doctor.get("country_code") != "ES":
        problems.append(FieldError("doctor.country_code", "must be ES for Spain's national repository (v2)"))
    if not COLEGIADO.match(str(doctor.get("medical_license_number", ""))):
        problems.append(FieldError("doctor.medical_license_number", "must be a 9-digit colegiado number (v2)"))
    if patient is not None:
        if patient.document_type not in ("DNI", "NIE") or identity.problem(
            patient.document_type, patient.document_number
        ):
            problems.append(FieldError("patient_id", "the patient needs a DNI or NIE with a valid check letter (v2)"))
    signature = body.get("signature")
    if not isinstance(signature, dict):
        problems.append(FieldError("signature", "is required in v2 ({algorithm, hash, signed_at})"))
        return
    if str(signature.get("algorithm", "")).upper().replace("-", "") != "SHA256":
        problems.append(FieldError("signature.algorithm", "must be SHA-256"))
    try:
        expected = canonical_hash(body)
    except rfc8785.CanonicalizationError as error:
        # RFC 8785 keeps to I-JSON: integers beyond 2^53 - 1 have no canonical form to sign.
        problems.append(FieldError("signature.hash", f"the signed content has no RFC 8785 canonical form: {error}"))
        return
    if str(signature.get("hash", "")) != expected:
        problems.append(
            FieldError(
                "signature.hash",
                "does not match the SHA-256 of the RFC 8785 canonical JSON of {patient_id, doctor, diagnoses, "
                "medications, consent} as sent",
            )
        )


def issue(ledger: Ledger, principal: Principal, version: str, body: dict[str, Any]) -> Prescription:
    world = ledger.world
    problems: list[FieldError] = []
    patient = ledger.patients.get(body["patient_id"])
    if patient is None:
        problems.append(FieldError("patient_id", "is not a known patient (create it with POST /ehr/v1/patients)"))
    for index, diagnosis in enumerate(body["diagnoses"]):
        code = str(diagnosis["diagnosis_code"]).strip().upper()
        if code not in world.diagnosis_codes:
            problems.append(
                FieldError(f"diagnoses[{index}].diagnosis_code", f"{code} is not an ICD-10 code of the catalogue")
            )
    products = []
    for index, medication in enumerate(body["medications"]):
        product = world.product(medication["product_code"])
        if product is None or product.product_type != "DRUG":
            problems.append(FieldError(f"medications[{index}].product_code", "is not a medication of the catalogue"))
        products.append(product)
    if version in ("v1.1", "v2"):
        _check_consent(body, problems)
    if version == "v2":
        _check_v2(patient, body, problems)
    unregistered = [
        FieldError(
            f"medications[{index}].product_code",
            f"{product.product_code} is not registered as a product of {principal.provider_slug}",
        )
        for index, product in enumerate(products)
        if product is not None and not is_registered(ledger, principal.provider_slug, product.product_code)
    ]
    if unregistered and not problems:
        raise ApiError("071-104", errors=unregistered)
    problems += unregistered
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)

    now = ledger.clock.timestamp()
    doctor = body["doctor"]
    prescription = Prescription(
        id=ledger.ids.next_id("prescription"),
        code=ledger.ids.prescription_code(),
        version=version,
        provider_slug=principal.provider_slug,
        patient_id=patient.patient_id,
        doctor={
            "name": doctor["name"],
            "medical_license_number": doctor["medical_license_number"],
            "country_code": doctor.get("country_code"),
            "specialty_name": doctor.get("specialty_name"),
        },
        diagnoses=[
            {
                "id": ledger.ids.next_id("diagnosis"),
                "coding_system": "ICD-10",
                "code": str(d["diagnosis_code"]).strip().upper(),
                "status": None,
                "reason": None,
            }
            for d in body["diagnoses"]
        ],
        items=[
            PrescriptionItem(
                id=ledger.ids.next_id("prescription_item"),
                product_id=product.product_id,
                product_code=product.product_code,
                product_name=product.name,
                quantity=m["quantity"],
                posology=m.get("posology"),
                duration_days=m.get("duration_days"),
            )
            for product, m in zip(products, body["medications"], strict=True)
        ],
        created_at=now,
        expires_at=now + VALIDITY_DAYS * 86400,
        consent=body.get("consent") if version != "v1" else None,
    )
    if version == "v2":
        prescription.signature_hash = body["signature"]["hash"]
        prescription.signed_document_id = ledger.ids.uuid()
        prescription.repository_registration = {
            "repository": REPOSITORY,
            "registration_id": f"ES-RX-{prescription.code}",
            "registered_at": format_instant(now),
            "signed_at": body["signature"].get("signed_at"),
        }
    ledger.prescriptions[prescription.id] = prescription
    ledger.codes[prescription.code] = ("PRESCRIPTION", prescription.id)
    timer = ledger.schedule(
        prescription.expires_at,
        "prescription.expire",
        {"prescription_id": prescription.id},
        f"prescription {prescription.code} expires",
    )
    prescription.expiry_timer_id = timer.id
    events.emit(
        ledger,
        "prescription.issued",
        prescription.provider_slug,
        {
            "prescription_id": prescription.id,
            "prescription_code": prescription.code,
            "version": version,
            "patient": {
                "patient_id": patient.patient_id,
                "first_name": patient.first_name,
                "last_name": patient.last_name,
            },
            "doctor": {"doctor_id": None, "medical_board_registration": prescription.doctor["medical_license_number"]},
            "diagnoses": [{"diagnosis_code": d["code"]} for d in prescription.diagnoses],
            "medications": [
                {
                    "product_code": i.product_code,
                    "quantity": i.quantity,
                    "posology": i.posology,
                    "duration_days": i.duration_days,
                }
                for i in prescription.items
            ],
            "issued_at": format_instant(now),
        },
    )
    return prescription


def prescription_of(ledger: Ledger, provider_slug: str | None, prescription_id: int) -> Prescription:
    prescription = ledger.prescriptions.get(prescription_id)
    if prescription is None or (provider_slug is not None and prescription.provider_slug != provider_slug):
        raise ApiError("MOCK-404-prescription-not-found", f"No prescription {prescription_id}.")
    return prescription


# -- e-mail and void ---------------------------------------------------------------------------------
def email(ledger: Ledger, provider_slug: str, prescription_id: int, address: str | None) -> dict[str, Any]:
    """Send the prescription to the patient: an EMAIL in the outbox, and ``prescription.email_delivered``
    (or ``prescription.email_failed`` for an address in the ``.invalid`` top-level domain)."""
    prescription = prescription_of(ledger, provider_slug, prescription_id)
    if prescription.status == "VOIDED":
        raise ApiError("MOCK-422-prescription-voided", f"Prescription {prescription.code} is VOIDED.")
    patient = ledger.patients[prescription.patient_id]
    to = (address or patient.email or "").strip()
    if not to:
        raise ApiError(
            "MOCK-422-validation-failed", errors=[FieldError("email", "is required: the patient has no e-mail address")]
        )
    medicines = "\n".join(f"- {i.product_name} x{i.quantity}: {i.posology or ''}" for i in prescription.items)
    message = outbox.send(
        ledger,
        "EMAIL",
        to,
        f"Hola {patient.first_name}, su receta electrónica {prescription.code}:\n{medicines}\n"
        f"Preséntela en su farmacia antes del {format_instant(prescription.expires_at)[:10]}.",
        subject=f"Su receta electrónica {prescription.code}",
    )
    now = format_instant(ledger.clock.timestamp())
    failed = to.lower().rsplit("@", 1)[-1].endswith(".invalid")
    data = {"prescription_id": prescription.id, "prescription_code": prescription.code, "email": to}
    if failed:
        events.emit(
            ledger,
            "prescription.email_failed",
            prescription.provider_slug,
            {**data, "failed_at": now, "reason": "The recipient domain does not exist."},
        )
    else:
        events.emit(ledger, "prescription.email_delivered", prescription.provider_slug, {**data, "delivered_at": now})
    return {**data, "status": "FAILED" if failed else "DELIVERED", "outbox_id": message["id"], "sent_at": now}


def void(ledger: Ledger, provider_slug: str, prescription_id: int) -> Prescription:
    prescription = prescription_of(ledger, provider_slug, prescription_id)
    if prescription.status in ("VOIDED", "EXPIRED"):
        raise ApiError(
            "MOCK-422-prescription-not-voidable", f"Prescription {prescription.code} is {prescription.status}."
        )
    if any(item.status not in ("DISPENSABLE",) for item in prescription.items):
        raise ApiError(
            "MOCK-422-prescription-not-voidable", f"Prescription {prescription.code} is being or has been dispensed."
        )
    prescription.status = "VOIDED"
    if prescription.expiry_timer_id:
        ledger.clock.cancel(prescription.expiry_timer_id)
        prescription.expiry_timer_id = None
    return prescription


@timer_action("prescription.expire")
def _expire(ledger: Ledger, payload: dict[str, Any]) -> None:
    prescription = ledger.prescriptions.get(payload["prescription_id"])
    if prescription is None or prescription.status in ("VOIDED", "DISPENSED"):
        return
    prescription.expiry_timer_id = None
    for item in prescription.items:
        if item.status in REDEEMABLE:
            item.status = "EXPIRED"
    if all(item.status in (*DONE, "EXPIRED") for item in prescription.items):
        prescription.status = "EXPIRED"


# -- redemption (the dispensing flow calls these) ----------------------------------------------------
def check_redeemable(ledger: Ledger, prescription: Prescription) -> None:
    """422 when a pharmacy may not start a dispensation of this prescription now."""
    if prescription.status == "VOIDED":
        raise ApiError("MOCK-422-code-not-redeemable", f"Prescription {prescription.code} is VOIDED.")
    if prescription.status == "EXPIRED" or ledger.clock.timestamp() >= prescription.expires_at:
        raise ApiError("MOCK-422-code-not-redeemable", f"Prescription {prescription.code} has expired.")
    if any(item.status == "LOCKED" for item in prescription.items):
        raise ApiError("MOCK-409-code-locked", f"Prescription {prescription.code} is being dispensed elsewhere.")
    if not any(item.status in REDEEMABLE for item in prescription.items):
        raise ApiError("MOCK-422-code-not-redeemable", f"Prescription {prescription.code} was fully dispensed.")


def lock(ledger: Ledger, prescription: Prescription, dispensation_id: int, item_ids: list[int]) -> None:
    """A STARTED dispensation holds these items: ``LOCKED`` until it completes or is cancelled."""
    check_redeemable(ledger, prescription)
    items = {item.id: item for item in prescription.items}
    chosen = [items[i] for i in item_ids if i in items]
    if len(chosen) != len(item_ids) or any(item.status not in REDEEMABLE for item in chosen):
        raise ApiError("MOCK-422-code-not-redeemable", "Some items are not dispensable.")
    for item in chosen:
        item.status_before_lock, item.status, item.locked_by = item.status, "LOCKED", dispensation_id


def unlock(ledger: Ledger, prescription: Prescription, dispensation_id: int) -> None:
    """The dispensation was cancelled: its items go back to what they were."""
    for item in prescription.items:
        if item.locked_by == dispensation_id:
            item.status, item.locked_by, item.status_before_lock = item.status_before_lock, None, None


def settle(
    ledger: Ledger, prescription: Prescription, dispensation_id: int, dispensed: dict[int, tuple[int, str | None]]
) -> None:
    """The dispensation completed: each locked item took ``(quantity, substitute product code or None)``."""
    now = format_instant(ledger.clock.timestamp())
    for item in prescription.items:
        if item.locked_by != dispensation_id:
            continue
        quantity, substitute = dispensed.get(item.id, (0, None))
        item.dispensed_quantity += quantity
        full = item.dispensed_quantity >= item.quantity
        if substitute:
            item.substitute_product_code = substitute
            item.status = "SUBSTITUTED" if full else "PARTIALLY_SUBSTITUTED"
        elif quantity == 0:
            item.status = item.status_before_lock
        else:
            item.status = "DISPENSED" if full else "PARTIALLY_DISPENSED"
        item.locked_by = item.status_before_lock = None
        prescription.dispensation_logs.append(
            {
                "item_id": item.id,
                "dispensation_id": dispensation_id,
                "status": item.status,
                "quantity": quantity,
                "substitute_product_code": substitute,
                "at": now,
            }
        )
    if all(item.status in DONE for item in prescription.items):
        prescription.status = "DISPENSED"
    elif any(item.dispensed_quantity for item in prescription.items):
        prescription.status = "PARTIALLY_DISPENSED"


# -- views -------------------------------------------------------------------------------------------
def _age(born: str, today: date) -> int:
    b = date.fromisoformat(born)
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def patient_block(ledger: Ledger, patient: Patient) -> dict[str, Any]:
    phone = patient.phone or ""
    area = re.match(r"^\+(\d{1,3})", phone)
    return {
        "id": patient.patient_id,
        "given_names": patient.first_name,
        "surnames": patient.last_name,
        "full_name": f"{patient.first_name} {patient.last_name}",
        "code": f"PAT-{patient.patient_id}",
        "age": _age(patient.date_of_birth, ledger.today()),
        "sex": patient.sex,
        "date_of_birth": patient.date_of_birth,
        "identity_document_type": patient.document_type,
        "identity_document_code": patient.document_number,
        "nationality_country_code": patient.nationality_country_code,
        "area_code": int(area.group(1)) if area else None,
        "phone_number": phone or None,
        "email_address": patient.email,
        "enabled": True,
        "manually_created": patient.manually_created,
        "identity_verified": False,
        "passport_issuing_country": None,
    }


def prescription_view(ledger: Ledger, prescription: Prescription) -> dict[str, Any]:
    patient = ledger.patients[prescription.patient_id]
    return {
        "id": prescription.id,
        "code": prescription.code,
        "version": prescription.version,
        "status": prescription.status,
        "confidential": False,
        "doctor": dict(prescription.doctor),
        "patient": patient_block(ledger, patient),
        "signed_document_id": prescription.signed_document_id,
        "signature": prescription.signature_hash,
        "repository_registration": prescription.repository_registration,
        "consent": prescription.consent,
        "laboratory_notes": None,
        "diagnostic_test_notes": None,
        "additional_notes": None,
        "created_at": format_instant(prescription.created_at),
        "expires_at": format_instant(prescription.expires_at),
        "diagnoses": [dict(d) for d in prescription.diagnoses],
        "products": [item_view(item) for item in prescription.items],
        "treatments": [
            {
                "product_code": item.product_code,
                "posology": item.posology,
                "duration_days": item.duration_days,
                "frequencies": [],
                "specific_administration_time": {},
                "compositions": [],
            }
            for item in prescription.items
        ],
        "simplified_treatments": [],
        "simplified_treatment_items": [
            {
                "id": item.id,
                "product_code": item.product_code,
                "quantity": item.quantity,
                "dispensed_quantity": item.dispensed_quantity,
                "status": item.status,
                "substitute_product_code": item.substitute_product_code,
            }
            for item in prescription.items
        ],
        "prescription_item_dispensation_logs": list(prescription.dispensation_logs),
    }


def item_view(item: PrescriptionItem) -> dict[str, Any]:
    """A prescription item as a ProductResource, its status one of the prescription item statuses."""
    return {
        "id": item.id,
        "product_id": item.product_id,
        "product_code": item.product_code,
        "product_name": item.product_name,
        "product_type_slug": "DRUG",
        "treatment_duration_days": item.duration_days,
        "quantity": item.quantity,
        "authorized_quantity": item.quantity,
        "claimed_quantity": item.dispensed_quantity,
        "status": item.status,
        "reason": None,
        "posology": item.posology,
        "provider_products": [],
    }


def explain_code(ledger: Ledger, code: str) -> dict[str, Any]:
    """What redeeming a prescription code would do now (``GET /__admin/explain?code=``)."""
    kind, record_id = ledger.codes.get(code.strip().upper(), (None, None))
    if kind != "PRESCRIPTION":
        raise ApiError("MOCK-404-code-not-found", f"No authorization or prescription has the code {code!r}.")
    prescription = ledger.prescriptions[record_id]
    try:
        check_redeemable(ledger, prescription)
        redeemable = True
    except ApiError:
        redeemable = False
    return {
        "code": prescription.code,
        "code_type": "PRESCRIPTION",
        "prescription_id": prescription.id,
        "patient_id": prescription.patient_id,
        "provider_slug": prescription.provider_slug,
        "status": prescription.status,
        "expires_at": format_instant(prescription.expires_at),
        "redeemable": redeemable,
        "remaining_quantity": sum(
            max(item.quantity - item.dispensed_quantity, 0) for item in prescription.items if item.status in REDEEMABLE
        ),
        "dispensing": {"verification_required": None},
        "products": [item_view(item) for item in prescription.items],
    }
