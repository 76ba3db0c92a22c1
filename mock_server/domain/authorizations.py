"""Pre-authorizations: the request a provider submits and the authorizations a sponsor grants.

Two phases (API.md "Pre-authorizations (ARC)"):

1. **Initiate**: the request is checked against the sponsor's rules (required fields, accepted
   authorization types, covered product types), the provider's registered products (``071-104``),
   the beneficiary's coverage and the catalogues, and stored as ``PENDING_INDICATION``.
2. **Indications** are attached; **complete** asks the sponsor to evaluate once the documents its
   policy needs are there and the verification it needs (OTP, biometric) is given.

The sponsor grants one authorization per product group (``DRUG``, ``LABORATORY``,
``DIAGNOSTIC_TEST``, ``MEDICAL_PROCEDURE``), split further when its rules cap the lines per
authorization. Each line gets a decision. What the sponsor decides comes from the beneficiary's
persona (or a forced next outcome); benefit limits are tracked per beneficiary, plan, product type and
month. A synchronous sponsor answers at once; an asynchronous one leaves the request
``PENDING_SPONSOR`` and decides on the mock clock. Completing twice creates nothing new.

Request states: ``PENDING_INDICATION`` -> ``PENDING_SPONSOR`` -> ``APPROVED`` | ``REJECTED`` |
``PARTIALLY_APPROVED`` (a synchronous sponsor skips ``PENDING_SPONSOR``).
Authorization states: ``PENDING_REVIEW`` -> ``READY`` | ``VOIDED``; ``READY`` -> ``PARTIALLY_CLAIMED``
-> ``CLAIMED`` -> ``PAID``; ``READY`` -> ``VOIDED`` (provider, sponsor, or expiry at ``expires_at``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant, parse_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import events, identity, otp, verification
from mock_server.domain.catalog import is_registered, normalize_product_type
from mock_server.domain.ledger import timer_action
from mock_server.domain.sponsors import behaviour_of
from mock_server.domain.world import PRODUCT_TYPES, Beneficiary, Sponsor

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger
    from mock_server.domain.oauth import Principal

__all__ = [
    "AUTHORIZATION_TYPES",
    "DOCUMENT_TYPES",
    "Authorization",
    "AuthorizationRequest",
    "complete",
    "decide",
    "initiate",
]

AUTHORIZATION_TYPES = ("PRESCRIPTION", "MEDICAL_INDICATION", "LAB_ORDER", "PROCEDURE")
DOCUMENT_TYPES = ("MEDICAL_INDICATION", "LAB_ORDER", "CLINICAL_HISTORY", "PRESCRIPTION", "OTHER")
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# File formats by their first bytes (the declared Content-Type is not trusted).
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
FORCED_OUTCOMES = ("APPROVED", "REJECTED", "MANUAL_REVIEW", "PARTIALLY_APPROVED")
DEFAULT_REJECTION = "El patrocinador rechazó la solicitud."
BENEFIT_LIMIT_REASON = "Límite de beneficio alcanzado: {used} de {limit} unidades usadas este mes."
VOIDABLE = ("READY", "PENDING_REVIEW")
CLAIMED = ("PARTIALLY_CLAIMED", "CLAIMED", "PAID")


# -- records -----------------------------------------------------------------------------------------
@dataclass
class RequestLine:
    line_id: int
    product_id: int
    product_code: str
    product_name: str
    product_type: str
    quantity: int
    posology: str | None = None
    treatment_duration_days: int | None = None
    status: str | None = None  # APPROVED | REJECTED | MANUAL_APPROVAL_REQUIRED, once evaluated
    reason: str | None = None
    authorization_id: int | None = None


@dataclass
class Document:
    id: int
    document_type: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    created_at: float


@dataclass
class AuthorizationRequest:
    id: int
    provider_slug: str
    client_id: str
    beneficiary_id: int
    sponsor_slug: str
    status: str
    diagnoses: list[dict[str, Any]]
    lines: list[RequestLine]
    doctor: dict[str, Any]
    details: dict[str, Any]
    created_at: float
    updated_at: float
    documents: list[Document] = field(default_factory=list)
    authorization_ids: list[int] = field(default_factory=list)
    challenge_ids: list[str] = field(default_factory=list)
    otp_verified: bool = False
    biometric_result: str | None = None
    completed_at: float | None = None
    decision_timer_id: str | None = None
    rejection_reason: str | None = None


@dataclass
class AuthorizationLine:
    id: int
    product_id: int
    product_code: str
    product_name: str
    product_type: str
    quantity: int
    authorized_quantity: int
    claimed_quantity: int
    status: str
    reason: str | None
    posology: str | None
    treatment_duration_days: int | None


@dataclass
class Authorization:
    id: int
    code: str
    authorization_request_id: int
    provider_slug: str
    beneficiary_id: int
    sponsor_slug: str
    sponsor_authorization_code: str
    product_type: str
    coverage_type: str
    payment_type: str
    status: str
    manual_review_required: bool
    manually_approved: bool
    lines: list[AuthorizationLine]
    doctor: dict[str, Any]
    created_at: float
    updated_at: float
    expires_at: float
    usage_period: str
    expiry_timer_id: str | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    sponsor_notes: str | None = None


# -- initiate ----------------------------------------------------------------------------------------
def _normalize(world, body: dict[str, Any], strict: bool, problems: list[FieldError], warnings: list[str]):
    """Diagnoses and product lines from either body shape (schema page or guide)."""
    diagnoses = []
    if body.get("diagnoses"):
        for d in body["diagnoses"]:
            diagnoses.append(
                {
                    "coding_system": d["coding_system"],
                    "code": d["code"].strip().upper(),
                    "type": d.get("type") or d.get("type_enum"),
                }
            )
    elif body.get("diagnosis_code") is not None:
        if strict:
            problems.append(
                FieldError(
                    "diagnosis_code",
                    "the guide's diagnosis_code is not accepted with --strict; send diagnoses[{coding_system, code}]",
                )
            )
        else:
            warnings.append("diagnosis_code accepted as diagnoses[{coding_system: ICD-10, code}] (guide body)")
        diagnoses.append({"coding_system": "ICD-10", "code": str(body["diagnosis_code"]).strip().upper(), "type": None})
    else:
        problems.append(FieldError("diagnoses", "is required (at least one ICD-10 code)"))
    for index, d in enumerate(diagnoses):
        if d["code"] not in world.diagnosis_codes:
            path = "diagnosis_code" if body.get("diagnosis_code") is not None else f"diagnoses[{index}].code"
            problems.append(FieldError(path, f"{d['code']} is not an ICD-10 code of the catalogue"))

    lines: list[dict[str, Any]] = []
    for index, item in enumerate(body.get("products") or []):
        path = f"products[{index}]"
        product = world.product(item["product_code"]) if item.get("product_code") else None
        if product is None and item.get("product_id") is not None:
            product = world.products_by_id.get(item["product_id"])
        if product is None:
            problems.append(FieldError(f"{path}.product_code", "is not in the global catalogue"))
            continue
        declared = item.get("product_type")
        if declared is not None:
            canonical, warning = normalize_product_type(declared, strict=strict)
            if canonical is None:
                problems.append(FieldError(f"{path}.product_type", "must be one of " + ", ".join(PRODUCT_TYPES)))
                continue
            if warning:
                warnings.append(warning)
            if canonical != product.product_type:
                problems.append(
                    FieldError(f"{path}.product_type", f"{product.product_code} is a {product.product_type}")
                )
                continue
        lines.append(
            {
                "product": product,
                "quantity": item["quantity"],
                "posology": item.get("posology"),
                "duration": item.get("treatment_duration_days"),
                "path": path,
            }
        )
    for index, treatment in enumerate(body.get("treatments") or []):
        path = f"treatments[{index}]"
        product = next(
            (world.products_by_id.get(pid) for pid in treatment.get("product_ids", []) if pid in world.products_by_id),
            None,
        )
        if product is None or product.product_type != "DRUG":
            problems.append(FieldError(f"{path}.product_ids", "name no medication of the catalogue"))
            continue
        quantity = treatment.get("quantity") or treatment["treatment_duration_days"]
        lines.append(
            {
                "product": product,
                "quantity": quantity,
                "posology": treatment.get("posology"),
                "duration": treatment["treatment_duration_days"],
                "path": path,
            }
        )
    if not body.get("products") and not body.get("treatments"):
        problems.append(FieldError("products", "is required (at least one product or treatment)"))
    return diagnoses, lines


def _check_sponsor_rules(sponsor: Sponsor, provider, body: dict[str, Any], lines, problems: list[FieldError]) -> None:
    for name in sponsor.required_request_fields:
        if body.get(name) in (None, ""):
            problems.append(FieldError(name, f"is required by {sponsor.sponsor_slug}"))
    kind = body.get("authorization_type")
    if kind is None and sponsor.authorization_types_required:
        problems.append(FieldError("authorization_type", f"is required by {sponsor.sponsor_slug}"))
    elif kind is not None and kind not in sponsor.authorization_types:
        problems.append(FieldError("authorization_type", "must be one of " + ", ".join(sponsor.authorization_types)))
    code = body.get("service_type_code")
    if code is not None and sponsor.service_type_codes and code not in sponsor.service_type_codes:
        problems.append(FieldError("service_type_code", "must be one of " + ", ".join(sponsor.service_type_codes)))
    branch = body.get("provider_branch_id")
    if branch is not None and branch not in {b.branch_id for b in provider.branches}:
        problems.append(FieldError("provider_branch_id", "is not a branch of this provider"))
    for line in lines:
        if not sponsor.covers(line["product"].product_type):
            problems.append(
                FieldError(
                    f"{line['path']}.product_type",
                    f"{sponsor.sponsor_slug} does not cover {line['product'].product_type}",
                )
            )


def initiate(
    ledger: Ledger, principal: Principal, body: dict[str, Any], *, strict: bool
) -> tuple[AuthorizationRequest, list[str]]:
    world = ledger.world
    problems: list[FieldError] = []
    warnings: list[str] = []
    sponsor = world.sponsor(body["sponsor_slug"])
    if sponsor is None:
        raise ApiError(
            "MOCK-422-validation-failed", errors=[FieldError("sponsor_slug", "is not a sponsor of this provider")]
        )
    beneficiary = world.beneficiary(body["beneficiary_id"])
    if beneficiary is None or beneficiary.sponsor_slug != sponsor.sponsor_slug:
        problems.append(FieldError("beneficiary_id", f"is not a beneficiary of {sponsor.sponsor_slug}"))
    diagnoses, lines = _normalize(world, body, strict, problems, warnings)
    _check_sponsor_rules(sponsor, world.provider(principal.provider_slug), body, lines, problems)
    unregistered = [
        FieldError(
            f"{line['path']}.product_code",
            f"{line['product'].product_code} is not registered as a product of {principal.provider_slug}",
        )
        for line in lines
        if not is_registered(ledger, principal.provider_slug, line["product"].product_code)
    ]
    if unregistered and not problems:
        raise ApiError("071-104", errors=unregistered)
    problems += unregistered
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    if not beneficiary.coverage_active(ledger.today()):
        raise ApiError(
            "MOCK-422-coverage-inactive",
            f"Beneficiary {beneficiary.beneficiary_id}'s coverage is not active (until {beneficiary.effective_until}).",
            errors=[FieldError("beneficiary_id", "has no active coverage")],
        )
    now = ledger.clock.timestamp()
    request = AuthorizationRequest(
        id=ledger.ids.next_id("authorization_request"),
        provider_slug=principal.provider_slug,
        client_id=principal.client_id,
        beneficiary_id=beneficiary.beneficiary_id,
        sponsor_slug=sponsor.sponsor_slug,
        status="PENDING_INDICATION",
        diagnoses=[{**d, "id": ledger.ids.next_id("diagnosis"), "status": None, "reason": None} for d in diagnoses],
        lines=[
            RequestLine(
                ledger.ids.next_id("request_line"),
                line["product"].product_id,
                line["product"].product_code,
                line["product"].name,
                line["product"].product_type,
                line["quantity"],
                line["posology"],
                line["duration"],
            )
            for line in lines
        ],
        doctor={
            "medical_license_number": body.get("doctor_medical_license_number")
            or body.get("professional_license_number"),
            "country_code": body.get("doctor_country_code"),
            "specialty_name": body.get("doctor_specialty_name"),
            "name": body.get("doctor_name"),
        },
        details={
            key: body.get(key)
            for key in (
                "provider_branch_id",
                "service_type_code",
                "authorization_type",
                "professional_license_number",
                "beneficiary_email",
                "beneficiary_phone_number",
                "provider_notification_email",
            )
        },
        created_at=now,
        updated_at=now,
    )
    ledger.authorization_requests[request.id] = request
    return request, warnings


def request_of(ledger: Ledger, provider_slug: str | None, request_id: int) -> AuthorizationRequest:
    """The request, if this provider made it (None: the admin plane sees every request)."""
    request = ledger.authorization_requests.get(request_id)
    if request is None or (provider_slug is not None and request.provider_slug != provider_slug):
        raise ApiError("MOCK-404-authorization-request-not-found", f"No authorization request {request_id}.")
    return request


# -- indications -------------------------------------------------------------------------------------
def attach_indication(
    ledger: Ledger, provider_slug: str, request_id: int, document_type: str, file_name: str, content: bytes
) -> Document:
    request = request_of(ledger, provider_slug, request_id)
    if request.status != "PENDING_INDICATION":
        raise ApiError(
            "MOCK-409-request-not-pending", f"The request is {request.status}; indications go before complete."
        )
    if document_type not in DOCUMENT_TYPES:
        raise ApiError(
            "MOCK-422-validation-failed",
            errors=[FieldError("document_type", "must be one of " + ", ".join(DOCUMENT_TYPES))],
        )
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ApiError("MOCK-413-payload-too-large", f"The file is {len(content)} bytes; at most 5 MiB is accepted.")
    content_type = next((kind for magic, kind in SIGNATURES if content.startswith(magic)), None)
    if content_type is None:
        raise ApiError("MOCK-415-unsupported-media-type", "The file must be a PDF, PNG or JPEG.")
    document = Document(
        id=ledger.ids.next_id("document"),
        document_type=document_type,
        file_name=file_name or f"{document_type.lower()}.{content_type.rsplit('/', 1)[1]}",
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=ledger.clock.timestamp(),
    )
    request.documents.append(document)
    request.updated_at = document.created_at
    return document


def decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            "MOCK-422-validation-failed", errors=[FieldError("content_base64", "is not valid Base64")]
        ) from None


# -- complete ----------------------------------------------------------------------------------------
def _rules(ledger: Ledger, request: AuthorizationRequest):
    sponsor = ledger.world.sponsors[request.sponsor_slug]
    types = list(dict.fromkeys(line.product_type for line in request.lines))
    return sponsor, [sponsor.rules[t] for t in types]


def missing_documents(ledger: Ledger, request: AuthorizationRequest) -> list[FieldError]:
    _, rules = _rules(ledger, request)
    have = {d.document_type for d in request.documents}
    return [
        FieldError("documents", f"a {doc} document is required for {rule.product_type}")
        for rule in rules
        for doc in rule.required_documents
        if doc not in have
    ]


def _verification_required(ledger: Ledger, request: AuthorizationRequest, kind: str, base_url: str, why: str):
    challenge = verification.open_challenge(ledger, kind, request)
    return ApiError(
        "MOCK-422-verification-required",
        why,
        extra={
            "verification_required": kind,
            "challenge_id": challenge.challenge_id,
            "challenge_url": verification.challenge_url(base_url, challenge.challenge_id),
        },
    )


def _external(body: dict[str, Any], kind: str) -> list[str]:
    return [
        str(v.get("value", ""))
        for v in body.get("external_verifications") or []
        if str(v.get("type", "")).upper() == kind
    ]


def complete(
    ledger: Ledger, provider_slug: str, request_id: int, body: dict[str, Any], base_url: str
) -> AuthorizationRequest:
    request = request_of(ledger, provider_slug, request_id)
    if request.status != "PENDING_INDICATION":
        return request  # completing again returns the same result and creates nothing
    missing = missing_documents(ledger, request)
    if missing:
        raise ApiError("MOCK-422-documents-missing", errors=missing)
    beneficiary = ledger.world.beneficiary(request.beneficiary_id)
    if not beneficiary.coverage_active(ledger.today()):
        raise ApiError("MOCK-422-coverage-inactive", errors=[FieldError("beneficiary_id", "has no active coverage")])
    sponsor, rules = _rules(ledger, request)
    needs = {rule.complete_authorization for rule in rules} - {"NONE"}
    token_record = None
    if "OTP" in needs and not request.otp_verified:
        token = body.get("otp_verification_token")
        codes = _external(body, "OTP")
        if token:
            token_record = otp.check_token(ledger, token, request.beneficiary_id, request.sponsor_slug)
        elif not any(otp.matches_code(ledger, code, request.beneficiary_id, request.sponsor_slug) for code in codes):
            raise _verification_required(
                ledger,
                request,
                "OTP",
                base_url,
                f"{sponsor.sponsor_slug} needs an OTP from the beneficiary to complete this request.",
            )
    if "BIOMETRIC" in needs and request.biometric_result != "MATCH":
        why = (
            "The biometric reading did not match; read again."
            if request.biometric_result == "NO_MATCH"
            else f"{sponsor.sponsor_slug} needs a biometric match to complete this request."
        )
        raise _verification_required(ledger, request, "BIOMETRIC", base_url, why)
    if token_record is not None:
        otp.consume_token(token_record)
    if "OTP" in needs:
        request.otp_verified = True
    now = ledger.clock.timestamp()
    request.completed_at = request.updated_at = now
    outcome = ledger.next_outcomes.pop(request.beneficiary_id, None)
    if sponsor.evaluation_mode == "ASYNCHRONOUS":
        request.status = "PENDING_SPONSOR"
        timer = ledger.schedule(
            now + sponsor.decision_delay_seconds,
            "authorization.sponsor-decision",
            {"authorization_request_id": request.id, "outcome": outcome},
            f"{sponsor.sponsor_slug} decides authorization request {request.id}",
        )
        request.decision_timer_id = timer.id
    else:
        _evaluate(ledger, request, outcome)
    return request


def _behaviour(ledger: Ledger, request: AuthorizationRequest, forced: dict[str, Any] | None) -> tuple[str, str]:
    """(behaviour, rejection reason) for this evaluation."""
    world = ledger.world
    persona = world.persona_of(request.beneficiary_id)
    reason = persona.rejection_reason if persona and persona.rejection_reason else DEFAULT_REJECTION
    if forced:
        mapping = {
            "APPROVED": "approved",
            "REJECTED": "rejected",
            "MANUAL_REVIEW": "manual_review",
            "PARTIALLY_APPROVED": "partial_approval",
        }
        return mapping[forced["outcome"]], forced.get("reason") or reason
    return behaviour_of(world, world.beneficiary(request.beneficiary_id), ledger.today()), reason


def _usage_key(beneficiary: Beneficiary, product_type: str, period: str) -> str:
    return f"{beneficiary.beneficiary_id}|{beneficiary.plan_code}|{product_type}|{period}"


def _try_use(ledger: Ledger, request: AuthorizationRequest, line: RequestLine, period: str) -> str | None:
    """Count the line against the plan's monthly limit; the reason it is refused, or None."""
    beneficiary = ledger.world.beneficiary(request.beneficiary_id)
    plan = ledger.world.sponsors[request.sponsor_slug].plans[beneficiary.plan_code]
    limit = plan.limit_for(line.product_type)
    key = _usage_key(beneficiary, line.product_type, period)
    used = ledger.benefit_usage.get(key, 0)
    if limit is not None and used + line.quantity > limit.max_units:
        return BENEFIT_LIMIT_REASON.format(used=used, limit=limit.max_units)
    ledger.benefit_usage[key] = used + line.quantity
    return None


def _release(ledger: Ledger, authorization: Authorization) -> None:
    beneficiary = ledger.world.beneficiary(authorization.beneficiary_id)
    for line in authorization.lines:
        unused = line.authorized_quantity - line.claimed_quantity
        if unused > 0:
            key = _usage_key(beneficiary, line.product_type, authorization.usage_period)
            ledger.benefit_usage[key] = max(0, ledger.benefit_usage.get(key, 0) - unused)


def _chunks(ledger: Ledger, request: AuthorizationRequest) -> list[list[RequestLine]]:
    sponsor = ledger.world.sponsors[request.sponsor_slug]
    chunks = []
    for product_type in dict.fromkeys(line.product_type for line in request.lines):
        group = [line for line in request.lines if line.product_type == product_type]
        size = sponsor.rules[product_type].max_lines_per_authorization or len(group)
        chunks += [group[i : i + size] for i in range(0, len(group), size)]
    return chunks


def _evaluate(ledger: Ledger, request: AuthorizationRequest, forced: dict[str, Any] | None) -> None:
    behaviour, reason = _behaviour(ledger, request, forced)
    now = ledger.clock.timestamp()
    period = datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m")
    manual = behaviour == "manual_review"
    for chunk in _chunks(ledger, request):
        for position, line in enumerate(chunk):
            if manual:
                line.status, line.reason = "MANUAL_APPROVAL_REQUIRED", None
            elif behaviour == "rejected" or (behaviour == "partial_approval" and position > 0):
                line.status, line.reason = "REJECTED", reason
            else:
                refused = _try_use(ledger, request, line, period)
                line.status, line.reason = ("REJECTED", refused) if refused else ("APPROVED", None)
        if any(line.status in ("APPROVED", "MANUAL_APPROVAL_REQUIRED") for line in chunk):
            _grant(ledger, request, chunk, period, pending_review=manual)
        else:
            _emit_rejected(ledger, request, chunk[0].product_type, None, chunk[0].reason or reason)
    for diagnosis in request.diagnoses:
        diagnosis["status"] = (
            "MANUAL_APPROVAL_REQUIRED"
            if manual
            else ("APPROVED" if any(line.status == "APPROVED" for line in request.lines) else "REJECTED")
        )
    request.status = "PENDING_SPONSOR" if manual else _request_status(request)
    if request.status == "REJECTED":
        request.rejection_reason = next((line.reason for line in request.lines if line.reason), reason)
    request.updated_at = now


def _request_status(request: AuthorizationRequest) -> str:
    statuses = {line.status for line in request.lines}
    if statuses == {"APPROVED"}:
        return "APPROVED"
    if "APPROVED" not in statuses:
        return "REJECTED"
    return "PARTIALLY_APPROVED"


def _grant(
    ledger: Ledger, request: AuthorizationRequest, chunk: list[RequestLine], period: str, *, pending_review: bool
) -> Authorization:
    sponsor = ledger.world.sponsors[request.sponsor_slug]
    rule = sponsor.rules[chunk[0].product_type]
    now = ledger.clock.timestamp()
    authorization_id = ledger.ids.next_id("authorization")
    authorization = Authorization(
        id=authorization_id,
        code=ledger.ids.authorization_code(),
        authorization_request_id=request.id,
        provider_slug=request.provider_slug,
        beneficiary_id=request.beneficiary_id,
        sponsor_slug=request.sponsor_slug,
        sponsor_authorization_code=f"{sponsor.member_prefix}-A{authorization_id}",
        product_type=rule.product_type,
        coverage_type=rule.coverage_type,
        payment_type=sponsor.payment_type,
        status="PENDING_REVIEW" if pending_review else "READY",
        manual_review_required=pending_review,
        manually_approved=False,
        lines=[
            AuthorizationLine(
                id=ledger.ids.next_id("authorization_product"),
                product_id=line.product_id,
                product_code=line.product_code,
                product_name=line.product_name,
                product_type=line.product_type,
                quantity=line.quantity,
                authorized_quantity=line.quantity if line.status == "APPROVED" else 0,
                claimed_quantity=0,
                status=line.status,
                reason=line.reason,
                posology=line.posology,
                treatment_duration_days=line.treatment_duration_days,
            )
            for line in chunk
        ],
        doctor=dict(request.doctor),
        created_at=now,
        updated_at=now,
        expires_at=now + sponsor.authorization_validity_days * 86400,
        usage_period=period,
    )
    for line in chunk:
        line.authorization_id = authorization.id
    ledger.authorizations[authorization.id] = authorization
    ledger.codes[authorization.code] = ("AUTHORIZATION", authorization.id)
    request.authorization_ids.append(authorization.id)
    _schedule_expiry(ledger, authorization)
    if not pending_review:
        _emit_created(ledger, authorization)
    return authorization


def _schedule_expiry(ledger: Ledger, authorization: Authorization) -> None:
    if authorization.expiry_timer_id:
        ledger.clock.cancel(authorization.expiry_timer_id)
    timer = ledger.schedule(
        authorization.expires_at,
        "authorization.expire",
        {"authorization_id": authorization.id},
        f"authorization {authorization.code} expires",
    )
    authorization.expiry_timer_id = timer.id


def _event_base(authorization: Authorization) -> dict[str, Any]:
    """What every authorization.* event says about its authorization."""
    return {
        "authorization_id": authorization.id,
        "authorization_code": authorization.code,
        "authorization_request_id": authorization.authorization_request_id,
        "beneficiary_id": authorization.beneficiary_id,
        "sponsor_slug": authorization.sponsor_slug,
    }


def _emit_created(ledger: Ledger, authorization: Authorization) -> None:
    events.emit(
        ledger,
        "authorization.created",
        authorization.provider_slug,
        {
            **_event_base(authorization),
            "product_type": authorization.product_type,
            "products": [
                {"product_code": line.product_code, "quantity": line.authorized_quantity, "posology": line.posology}
                for line in authorization.lines
                if line.status == "APPROVED"
            ],
            "expires_at": format_instant(authorization.expires_at),
            "sponsor_reference": authorization.sponsor_authorization_code,
            "additional_data": {},
        },
    )


def _emit_rejected(
    ledger: Ledger, request: AuthorizationRequest, product_type: str, authorization: Authorization | None, reason: str
) -> None:
    events.emit(
        ledger,
        "authorization.rejected",
        request.provider_slug,
        {
            "authorization_id": authorization.id if authorization else None,
            "authorization_code": authorization.code if authorization else None,
            "authorization_request_id": request.id,
            "beneficiary_id": request.beneficiary_id,
            "sponsor_slug": request.sponsor_slug,
            "product_type": product_type,
            "rejection_reason": reason,
        },
    )


def _emit_voided(ledger: Ledger, authorization: Authorization) -> None:
    events.emit(
        ledger,
        "authorization.voided",
        authorization.provider_slug,
        {
            **_event_base(authorization),
            "voided_by": authorization.voided_by,
            "reason": authorization.void_reason,
            "voided_at": format_instant(authorization.updated_at),
        },
    )


@timer_action("authorization.sponsor-decision")
def _sponsor_decision(ledger: Ledger, payload: dict[str, Any]) -> None:
    request = ledger.authorization_requests.get(payload["authorization_request_id"])
    if request is not None and request.status == "PENDING_SPONSOR" and not request.authorization_ids:
        request.decision_timer_id = None
        _evaluate(ledger, request, payload.get("outcome"))


# -- decisions by the sponsor (the admin plane) ------------------------------------------------------
def decide(ledger: Ledger, request_id: int, outcome: str, reason: str | None) -> AuthorizationRequest:
    """Decide what the sponsor has pending for a request: an asynchronous evaluation or a manual review."""
    request = request_of(ledger, None, request_id)
    forced = {"outcome": outcome, "reason": reason}
    if request.status == "PENDING_SPONSOR" and request.decision_timer_id:
        ledger.clock.cancel(request.decision_timer_id)
        request.decision_timer_id = None
        _evaluate(ledger, request, forced)
        return request
    pending = [
        ledger.authorizations[i]
        for i in request.authorization_ids
        if ledger.authorizations[i].status == "PENDING_REVIEW"
    ]
    if not pending:
        raise ApiError(
            "MOCK-409-nothing-to-decide", f"Request {request_id} has no decision pending ({request.status})."
        )
    now = ledger.clock.timestamp()
    for authorization in pending:
        authorization.updated_at = now
        if outcome == "APPROVED":
            for line in authorization.lines:
                request_line = next(
                    r
                    for r in request.lines
                    if r.authorization_id == authorization.id and r.product_code == line.product_code
                )
                refused = _try_use(ledger, request, request_line, authorization.usage_period)
                line.status, line.reason = ("REJECTED", refused) if refused else ("APPROVED", None)
                line.authorized_quantity = line.quantity if not refused else 0
                request_line.status, request_line.reason = line.status, line.reason
            authorization.manually_approved = True
            if any(line.status == "APPROVED" for line in authorization.lines):
                authorization.status = "READY"
                _emit_created(ledger, authorization)
            else:
                _void(ledger, authorization, "SPONSOR", "Límite de beneficio alcanzado.")
        else:
            for line in authorization.lines:
                line.status, line.reason = "REJECTED", reason or DEFAULT_REJECTION
            for request_line in request.lines:
                if request_line.authorization_id == authorization.id:
                    request_line.status, request_line.reason = "REJECTED", reason or DEFAULT_REJECTION
            _void(ledger, authorization, "SPONSOR", reason or DEFAULT_REJECTION, emit=False)
            _emit_rejected(ledger, request, authorization.product_type, authorization, reason or DEFAULT_REJECTION)
    for diagnosis in request.diagnoses:
        diagnosis["status"] = "APPROVED" if any(line.status == "APPROVED" for line in request.lines) else "REJECTED"
    request.status = _request_status(request)
    if request.status == "REJECTED":
        request.rejection_reason = reason or DEFAULT_REJECTION
    request.updated_at = now
    return request


def force_next_outcome(ledger: Ledger, beneficiary_id: int, outcome: str, reason: str | None) -> dict[str, Any]:
    if ledger.world.beneficiary(beneficiary_id) is None:
        raise ApiError("MOCK-404-beneficiary-not-found", f"No beneficiary {beneficiary_id}.")
    ledger.next_outcomes[beneficiary_id] = {"outcome": outcome, "reason": reason}
    return {"beneficiary_id": beneficiary_id, "next_outcome": outcome, "reason": reason}


# -- authorizations ----------------------------------------------------------------------------------
def authorization_of(ledger: Ledger, provider_slug: str | None, authorization_id: int) -> Authorization:
    authorization = ledger.authorizations.get(authorization_id)
    if authorization is None or (provider_slug is not None and authorization.provider_slug != provider_slug):
        raise ApiError("MOCK-404-authorization-not-found", f"No authorization {authorization_id}.")
    return authorization


def _void(ledger: Ledger, authorization: Authorization, by: str, reason: str | None, *, emit: bool = True) -> None:
    _release(ledger, authorization)
    if authorization.expiry_timer_id:
        ledger.clock.cancel(authorization.expiry_timer_id)
        authorization.expiry_timer_id = None
    authorization.status = "VOIDED"
    authorization.voided_by = by
    authorization.void_reason = reason
    authorization.updated_at = ledger.clock.timestamp()
    if emit:
        _emit_voided(ledger, authorization)


def void(ledger: Ledger, provider_slug: str, authorization_id: int, reason: str | None) -> Authorization:
    authorization = authorization_of(ledger, provider_slug, authorization_id)
    if authorization.status in CLAIMED:
        raise ApiError(
            "MOCK-422-authorization-claimed", f"Authorization {authorization.code} is {authorization.status}."
        )
    if authorization.status not in VOIDABLE:
        raise ApiError(
            "MOCK-422-authorization-not-voidable", f"Authorization {authorization.code} is {authorization.status}."
        )
    _void(ledger, authorization, "PROVIDER", reason)
    return authorization


@timer_action("authorization.expire")
def _expire(ledger: Ledger, payload: dict[str, Any]) -> None:
    authorization = ledger.authorizations.get(payload["authorization_id"])
    if authorization is not None and authorization.status in VOIDABLE:
        authorization.expiry_timer_id = None
        _void(ledger, authorization, "EXPIRY", "La autorización venció.")


def sponsor_update(ledger: Ledger, authorization_id: int, body: dict[str, Any]) -> Authorization:
    """A sponsor-side change (ModifiedProduct lines, validity, payment type): ``authorization.updated``."""
    authorization = authorization_of(ledger, None, authorization_id)
    if authorization.status == "VOIDED":
        raise ApiError("MOCK-422-authorization-not-voidable", f"Authorization {authorization.code} is VOIDED.")
    world = ledger.world
    problems: list[FieldError] = []
    changes = []
    lines = {line.id: line for line in authorization.lines}
    for index, modified in enumerate(body.get("products") or []):
        line = lines.get(modified["authorization_product_id"])
        if line is None:
            problems.append(
                FieldError(f"products[{index}].authorization_product_id", "is not a line of this authorization")
            )
            continue
        if modified.get("new_product_id") is not None and modified["new_product_id"] not in world.products_by_id:
            problems.append(FieldError(f"products[{index}].new_product_id", "is not in the catalogue"))
            continue
        changes.append((line, modified))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    for line, modified in changes:
        if modified.get("new_product_id") is not None:
            product = world.products_by_id[modified["new_product_id"]]
            line.product_id, line.product_code, line.product_name = (
                product.product_id,
                product.product_code,
                product.name,
            )
        if modified.get("new_quantity") is not None:
            line.quantity = int(modified["new_quantity"])
            line.authorized_quantity = line.quantity if line.status == "APPROVED" else line.authorized_quantity
        if modified.get("new_status") is not None:
            line.status = modified["new_status"]
            line.reason = modified.get("rejection_reason")
            if line.status == "REJECTED":
                line.authorized_quantity = 0
            elif line.status == "APPROVED":
                line.authorized_quantity = line.quantity
    if body.get("payment_type"):
        authorization.payment_type = body["payment_type"]
    if body.get("sponsor_notes") is not None:
        authorization.sponsor_notes = body["sponsor_notes"]
    if body.get("expires_at") is not None:
        authorization.expires_at = parse_instant(body["expires_at"])
        _schedule_expiry(ledger, authorization)
    authorization.updated_at = ledger.clock.timestamp()
    events.emit(
        ledger,
        "authorization.updated",
        authorization.provider_slug,
        {
            **_event_base(authorization),
            "changes": [
                {
                    "authorization_product_id": line.id,
                    **{k: v for k, v in modified.items() if k != "authorization_product_id"},
                }
                for line, modified in changes
            ],
            "payment_type": authorization.payment_type,
            "expires_at": format_instant(authorization.expires_at),
        },
    )
    return authorization


# -- views -------------------------------------------------------------------------------------------
def _doctor_fields(doctor: dict[str, Any]) -> dict[str, Any]:
    return {
        "doctor_medical_license_number": doctor.get("medical_license_number"),
        "doctor_country_code": doctor.get("country_code"),
        "doctor_specialty_name": doctor.get("specialty_name"),
        "doctor_name": doctor.get("name"),
    }


def _abridged_beneficiary(ledger: Ledger, beneficiary_id: int) -> dict[str, Any]:
    world = ledger.world
    beneficiary = world.beneficiary(beneficiary_id)
    holder = world.beneficiary(beneficiary.holder_id) if beneficiary.holder_id else beneficiary
    return {
        "id": beneficiary.beneficiary_id,
        "name": f"{beneficiary.first_name} {beneficiary.last_name}",
        "identity_document_type": identity.IDENTITY_DOCUMENT_TYPE[beneficiary.document_type],
        "identity_document_id": beneficiary.document_number,
        "date_of_birth": f"{beneficiary.date_of_birth}T00:00:00.000Z",
        "employer_name": None,
        "policy_number": holder.member_id,
        "certificate": "CERT01",
        "policy_holder_name": f"{holder.first_name} {holder.last_name}",
    }


def line_view(line: AuthorizationLine, provider_slug: str) -> dict[str, Any]:
    return {
        "id": line.id,
        "product_id": line.product_id,
        "product_code": line.product_code,
        "product_name": line.product_name,
        "product_type_slug": line.product_type,
        "treatment_duration_days": line.treatment_duration_days,
        "quantity": line.quantity,
        "authorized_quantity": line.authorized_quantity,
        "claimed_quantity": line.claimed_quantity,
        "status": line.status,
        "reason": line.reason,
        "posology": line.posology,
        "provider_products": [{"provider_slug": provider_slug, "provider_product_code": line.product_code}],
    }


def authorization_view(ledger: Ledger, authorization: Authorization) -> dict[str, Any]:
    return {
        "id": authorization.id,
        "code": authorization.code,
        "authorization_request_id": authorization.authorization_request_id,
        "beneficiary_id": authorization.beneficiary_id,
        "beneficiary": _abridged_beneficiary(ledger, authorization.beneficiary_id),
        "sponsor_slug": authorization.sponsor_slug,
        "sponsor_authorization_code": authorization.sponsor_authorization_code,
        **_doctor_fields(authorization.doctor),
        "manual_review_required": authorization.manual_review_required,
        "manually_approved": authorization.manually_approved,
        "coverage_type": authorization.coverage_type,
        "product_type": authorization.product_type,
        "payment_type": authorization.payment_type,
        "status": authorization.status,
        "created_at": format_instant(authorization.created_at),
        "updated_at": format_instant(authorization.updated_at),
        "expires_at": format_instant(authorization.expires_at),
        "voided_by": authorization.voided_by,
        "products": [line_view(line, authorization.provider_slug) for line in authorization.lines],
    }


def abridged_view(ledger: Ledger, authorization: Authorization) -> dict[str, Any]:
    return {
        "id": authorization.id,
        "code": authorization.code,
        "beneficiary_id": authorization.beneficiary_id,
        "beneficiary": _abridged_beneficiary(ledger, authorization.beneficiary_id),
        "sponsor_slug": authorization.sponsor_slug,
        "doctor_medical_license_number": authorization.doctor.get("medical_license_number"),
        "coverage_type": authorization.coverage_type,
        "product_type": authorization.product_type,
        "status": authorization.status,
        "created_at": format_instant(authorization.created_at),
        "expires_at": format_instant(authorization.expires_at),
    }


def request_view(ledger: Ledger, request: AuthorizationRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "beneficiary_id": request.beneficiary_id,
        "sponsor_slug": request.sponsor_slug,
        **_doctor_fields(request.doctor),
        "status": request.status,
        "rejection_reason": request.rejection_reason,
        "created_at": format_instant(request.created_at),
        "created_by": request.client_id,
        "updated_at": format_instant(request.updated_at),
        "updated_by": request.client_id,
        "diagnoses": [
            {
                "id": d["id"],
                "coding_system": d["coding_system"],
                "code": d["code"],
                "status": d["status"],
                "reason": d["reason"],
            }
            for d in request.diagnoses
        ],
        "products": [
            {
                "id": line.line_id,
                "product_id": line.product_id,
                "product_code": line.product_code,
                "product_name": line.product_name,
                "product_type": line.product_type,
                "quantity": line.quantity,
                "posology": line.posology,
                "status": line.status,
                "reason": line.reason,
                "authorization_id": line.authorization_id,
            }
            for line in request.lines
        ],
        "documents": [
            {"id": d.id, "document_type": d.document_type, "file_name": d.file_name, "size": d.size, "sha256": d.sha256}
            for d in request.documents
        ],
        **{
            key: value
            for key, value in request.details.items()
            if key in ("provider_branch_id", "service_type_code", "authorization_type", "professional_license_number")
        },
        "authorizations": [authorization_view(ledger, ledger.authorizations[i]) for i in request.authorization_ids],
    }


def list_authorizations(
    ledger: Ledger, provider_slug: str, *, status: str | None, sponsor_slug: str | None, beneficiary_id: int | None
) -> list[dict[str, Any]]:
    """Newest first."""
    return [
        abridged_view(ledger, a)
        for a in reversed(ledger.authorizations.values())
        if a.provider_slug == provider_slug
        and (status is None or a.status == status)
        and (sponsor_slug is None or a.sponsor_slug == sponsor_slug)
        and (beneficiary_id is None or a.beneficiary_id == beneficiary_id)
    ]


def explain_code(ledger: Ledger, code: str) -> dict[str, Any]:
    kind, record_id = ledger.codes.get(code.strip().upper(), (None, None))
    if kind != "AUTHORIZATION":
        raise ApiError("MOCK-404-code-not-found", f"No authorization or prescription has the code {code!r}.")
    authorization = ledger.authorizations[record_id]
    rule = ledger.world.sponsors[authorization.sponsor_slug].rules[authorization.product_type]
    remaining = sum(line.authorized_quantity - line.claimed_quantity for line in authorization.lines)
    return {
        "code": authorization.code,
        "code_type": "AUTHORIZATION",
        "authorization_id": authorization.id,
        "authorization_request_id": authorization.authorization_request_id,
        "beneficiary_id": authorization.beneficiary_id,
        "sponsor_slug": authorization.sponsor_slug,
        "provider_slug": authorization.provider_slug,
        "status": authorization.status,
        "expires_at": format_instant(authorization.expires_at),
        "redeemable": authorization.status in ("READY", "PARTIALLY_CLAIMED") and remaining > 0,
        "remaining_quantity": remaining,
        "dispensing": {"verification_required": None if rule.dispense == "NONE" else rule.dispense},
        "products": [line_view(line, authorization.provider_slug) for line in authorization.lines],
    }
