"""Issuing a prescription, v1, v1.1 or v2 (``contracts/openapi.yaml``: createPrescription at
``/ehr/v1``, ``/ehr/v1.1`` and ``/ehr/v2``). Each version accepts a superset of the previous one:

- **v1**: ``{patient_id, doctor: {name, medical_license_number, country_code?}, diagnoses[{diagnosis_code}],
  medications[{product_code, quantity, posology, duration_days}]}``. Every medication must be one of the
  provider's registered products (``071-104``).
- **v1.1**: v1 plus the patient-data consent ``consent: {accepted: true, accepted_at, method}``; an
  ``accepted_at`` later than the mock clock's now is refused.
- **v2**: v1.1 plus ``signature: {algorithm: SHA-256, hash, signed_at}`` for Spain's national repository:
  ``hash`` is the lowercase hex SHA-256 of the RFC 8785 canonical JSON of
  ``{patient_id, doctor, diagnoses, medications, consent}`` as sent; the doctor practises in ES with a
  9-digit colegiado number; the patient holds a DNI or NIE with a valid check letter. The mock verifies all
  of it and answers with a ``signed_document_id`` and a repository registration.

What differs between versions is one table, :data:`RULES`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import rfc8785

from mock_server.core.clock import format_instant, parse_instant
from mock_server.core.errors import FieldError
from mock_server.domain import identity
from mock_server.domain.doctor import Doctor
from mock_server.domain.patients import Patient, Patients
from mock_server.domain.prescriptions.records import (
    Consent,
    ConsentMethod,
    Prescription,
    PrescriptionDiagnosis,
    PrescriptionItem,
    RepositoryRegistration,
    Version,
)
from mock_server.domain.reference import Product, ProductType
from mock_server.domain.registrations import Registrations

if TYPE_CHECKING:
    from mock_server.domain.prescriptions.backend import Prescriptions
    from mock_server.domain.tokens import Principal

__all__ = ["RULES", "SIGNED_FIELDS", "VALIDITY_DAYS", "VersionRules", "canonical_hash", "issue"]

VALIDITY_DAYS = 30  # inferred
SIGNED_FIELDS = ("patient_id", "doctor", "diagnoses", "medications", "consent")
COLEGIADO = re.compile(r"^[0-9]{9}$")
REPOSITORY = "SNS-RECETA-ELECTRONICA"


@dataclass(frozen=True)
class VersionRules:
    consent: bool  # the patient's consent is required, and kept
    signed: bool  # a signed hash for Spain's national repository, verified and registered


RULES = {
    Version.V1: VersionRules(consent=False, signed=False),
    Version.V1_1: VersionRules(consent=True, signed=False),
    Version.V2: VersionRules(consent=True, signed=True),
}


def canonical_hash(body: dict[str, Any]) -> str:
    """The v2 signed hash: SHA-256 of the RFC 8785 canonical JSON of the signed fields, as sent."""
    signed = {key: body.get(key) for key in SIGNED_FIELDS}
    return hashlib.sha256(rfc8785.dumps(signed)).hexdigest()


def issue(rx: Prescriptions, principal: Principal, version: Version, body: dict[str, Any]) -> Prescription:
    rules = RULES[Version(version)]
    problems: list[FieldError] = []
    patient = rx.ledger.area(Patients).get(body["patient_id"])
    if patient is None:
        problems.append(FieldError("patient_id", "is not a known patient (create it with POST /ehr/v1/patients)"))
    _check_diagnoses(rx, body, problems)
    products = _medications(rx, body, problems)
    if rules.consent:
        _check_consent(body, rx.clock.timestamp(), problems)
    if rules.signed:
        _check_signed(patient, body, problems)
    named = [(f"medications[{i}].product_code", p) for i, p in enumerate(products) if p is not None]
    rx.ledger.area(Registrations).check(principal.provider_slug, named, problems)
    prescription = _build(rx, principal, Version(version), body, patient, products)
    if rules.consent:
        consent = body["consent"]
        prescription.consent = Consent(consent["accepted"], consent["accepted_at"], ConsentMethod(consent["method"]))
    if rules.signed:
        _register_signature(rx, prescription, body["signature"])
    return prescription


def _check_diagnoses(rx: Prescriptions, body: dict[str, Any], problems: list[FieldError]) -> None:
    for index, diagnosis in enumerate(body["diagnoses"]):
        code = str(diagnosis["diagnosis_code"]).strip().upper()
        if code not in rx.world.diagnosis_codes:
            problems.append(
                FieldError(f"diagnoses[{index}].diagnosis_code", f"{code} is not an ICD-10 code of the catalogue")
            )


def _medications(rx: Prescriptions, body: dict[str, Any], problems: list[FieldError]) -> list[Product | None]:
    products = []
    for index, medication in enumerate(body["medications"]):
        product = rx.world.product(medication["product_code"])
        if product is None or product.product_type != ProductType.DRUG:
            problems.append(FieldError(f"medications[{index}].product_code", "is not a medication of the catalogue"))
        products.append(product)
    return products


def _check_consent(body: dict[str, Any], now: float, problems: list[FieldError]) -> None:
    """The consent block: accepted, by a known method, at a date-time that is not later than now."""
    consent = body.get("consent")
    if not isinstance(consent, dict):
        problems.append(FieldError("consent", "is required from v1.1 on (the patient's consent to process their data)"))
        return
    if consent.get("accepted") is not True:
        problems.append(FieldError("consent.accepted", "must be true"))
    if consent.get("method") not in ConsentMethod.__members__:
        problems.append(FieldError("consent.method", "must be one of " + ", ".join(ConsentMethod)))
    try:
        accepted_at = parse_instant(str(consent.get("accepted_at", "")))
    except ValueError:
        problems.append(FieldError("consent.accepted_at", "must be a date-time"))
        return
    if accepted_at > now:
        problems.append(FieldError("consent.accepted_at", "is later than now: consent cannot be given in the future"))


def _check_signed(patient: Patient | None, body: dict[str, Any], problems: list[FieldError]) -> None:
    doctor = body.get("doctor") or {}
    if doctor.get("country_code") != "ES":
        problems.append(FieldError("doctor.country_code", "must be ES for Spain's national repository (v2)"))
    if not COLEGIADO.match(str(doctor.get("medical_license_number", ""))):
        problems.append(FieldError("doctor.medical_license_number", "must be a 9-digit colegiado number (v2)"))
    if patient is not None and (
        patient.document_type not in ("DNI", "NIE") or identity.problem(patient.document_type, patient.document_number)
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


def _build(
    rx: Prescriptions,
    principal: Principal,
    version: Version,
    body: dict[str, Any],
    patient: Patient,
    products: list[Product],
) -> Prescription:
    ids = rx.ids
    now = rx.clock.timestamp()
    doctor = body["doctor"]
    return Prescription(
        id=ids.next_id("prescription"),
        code=ids.prescription_code(),
        version=version,
        provider_slug=principal.provider_slug,
        patient_id=patient.patient_id,
        doctor=Doctor(
            name=doctor["name"],
            medical_license_number=doctor["medical_license_number"],
            country_code=doctor.get("country_code"),
            specialty_name=doctor.get("specialty_name"),
        ),
        diagnoses=[
            PrescriptionDiagnosis(ids.next_id("diagnosis"), str(d["diagnosis_code"]).strip().upper())
            for d in body["diagnoses"]
        ],
        items=[
            PrescriptionItem(
                id=ids.next_id("prescription_item"),
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
    )


def _register_signature(rx: Prescriptions, prescription: Prescription, signature: dict[str, Any]) -> None:
    prescription.signature_hash = signature["hash"]
    prescription.signed_document_id = rx.ids.uuid()
    prescription.repository_registration = RepositoryRegistration(
        repository=REPOSITORY,
        registration_id=f"ES-RX-{prescription.code}",
        registered_at=format_instant(prescription.created_at),
        signed_at=signature.get("signed_at"),
    )
