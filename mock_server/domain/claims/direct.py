"""Claims filed directly, instead of through dispensing (``contracts/openapi.yaml``, tag ``claims``).

- **Against an authorization** (``POST /arc/v1/authorizations/{id}/claims``, AuthorizationClaimRequest):
  lines tied to ``authorization_product_id``, at the provider's prices; ``COMPLETED`` at once. Any
  affiliated provider may file it, as any may redeem the code (inferred); the claim is the filer's.
- **Outpatient care** (``POST /arc/v1/outpatient-care-claim``): 202 and a monitor, ``PENDING``,
  ``IN_PROGRESS`` 5 s later and, 10 s after filing, ``COMPLETED`` with a ``READY`` claim, or ``ERROR``
  with the business rule that refused it (``error_code``, ``error_details``). Only a sponsor whose
  configuration says ``claims_without_authorization`` (fixtures/world/sponsors.yaml) takes one without an
  ``authorization_id``.
- **Medical procedure** (``POST /arc/v1/medical-procedure-claim``, inferred body): one procedure
  authorization; the claim is ``IN_PROGRESS`` and ``READY`` 5 s later.

Every claim of an authorization takes its units at once (``Claims.take``) and never more than are left.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import money
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.authorizations.records import Authorization
from mock_server.domain.authorizations.redemption import Wanted, open_lines, pick, remaining
from mock_server.domain.catalog import normalize_product_type
from mock_server.domain.claims.records import (
    CLAIM_STATES,
    MONITOR_STATES,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimType,
    Monitor,
    MonitorStatus,
)
from mock_server.domain.doctor import Doctor
from mock_server.domain.reference import ProductType
from mock_server.domain.registrations import Registrations
from mock_server.domain.tokens import Principal

if TYPE_CHECKING:
    from mock_server.domain.claims.backend import Claims

__all__ = [
    "IN_PROGRESS_AFTER",
    "MONITOR_STEP",
    "PROCEDURE_READY",
    "READY_AFTER",
    "file_for_authorization",
    "file_outpatient",
    "file_procedure",
    "monitor_step",
    "procedure_ready",
]

MONITOR_STEP = "claim.monitor-step"
PROCEDURE_READY = "claim.procedure-ready"
IN_PROGRESS_AFTER = 5
READY_AFTER = 10
_DOCTOR_FIELDS = ("doctor_medical_license_number", "doctor_country_code", "doctor_name")


def _authorization(claims: Claims, authorization_id: int, path: str | None = None) -> Authorization:
    authorization = claims.ledger.area(Authorizations).authorizations.get(authorization_id)
    if authorization is None:
        errors = [FieldError(path, "is not an authorization")] if path else []
        raise ApiError("MOCK-404-authorization-not-found", f"No authorization {authorization_id}.", errors=errors)
    return authorization


def _currency(claims: Claims, sponsor_slug: str) -> str:
    return claims.world.sponsors[sponsor_slug].currency_code


# -- against an authorization ---------------------------------------------------------------------
def file_for_authorization(claims: Claims, provider_slug: str, authorization_id: int, body: dict[str, Any]) -> Claim:
    authorization = _authorization(claims, authorization_id)
    authz = claims.ledger.area(Authorizations)
    authz.check_redeemable(authorization)
    products = body["products"]
    wanted = [
        Wanted(
            f"products[{i}]", int(p["authorization_product_id"]), None, int(p["quantity"]), "authorization_product_id"
        )
        for i, p in enumerate(products)
    ]
    picked = pick(authorization, wanted)
    lines = [
        ClaimLine(
            claims.ids.next_id("claim_line"),
            line.product_code,
            line.product_name,
            line.product_type,
            units,
            float(item["price"]),
            0.0,
            line.id,
            item.get("substitute_product_id"),
        )
        for (line, units), item in zip(picked, products, strict=True)
    ]
    claim = claims.new_claim(
        ClaimType.AUTHORIZATION,
        provider_slug,
        authorization.beneficiary_id,
        authorization.sponsor_slug,
        _currency(claims, authorization.sponsor_slug),
        lines,
        ClaimStatus.COMPLETED,
        authorization_id=authorization.id,
        authorization_code=authorization.code,
    )
    claims.take(authorization, lines)
    return claim


# -- outpatient care --------------------------------------------------------------------------------
def file_outpatient(
    claims: Claims, principal: Principal, body: dict[str, Any], *, strict: bool
) -> tuple[Monitor, list[str]]:
    """Accept the claim for processing: the shape is checked now, the business rules when it is processed."""
    warnings: list[str] = []
    problems: list[FieldError] = []
    diagnoses = [d["code"] for d in body.get("diagnoses") or []]
    if not diagnoses and body.get("diagnosis_code") and not strict:
        diagnoses = [body["diagnosis_code"]]
        warnings.append("diagnosis_code accepted as diagnoses[] (guide body; the schema page uses diagnoses[])")
    if not diagnoses:
        problems.append(FieldError("diagnoses", "is required"))
    items = []
    for i, item in enumerate(body["line_items"]):
        product_type, warning = normalize_product_type(str(item.get("product_type") or ""), strict=strict)
        if item.get("product_type") is not None and product_type is None:
            problems.append(FieldError(f"line_items[{i}].product_type", "is not a product type"))
        if warning:
            warnings.append(warning)
        items.append({"product_code": item["product_code"], "product_type": product_type, "quantity": item["quantity"]})
    _check_products(claims, principal.provider_slug, items, problems)
    now = claims.clock.timestamp()
    request = {
        "beneficiary_id": body["beneficiary_id"],
        "sponsor_slug": body["sponsor_slug"],
        "authorization_id": body.get("authorization_id"),
        "doctor": {k: body.get(k) for k in (*_DOCTOR_FIELDS, "doctor_specialty_name")},
        "diagnoses": diagnoses,
        "line_items": items,
    }
    monitor = Monitor(claims.ids.uuid(), principal.provider_slug, MonitorStatus.PENDING, now, now, request)
    claims.monitors[monitor.id] = monitor
    for delay, step in ((IN_PROGRESS_AFTER, MonitorStatus.IN_PROGRESS), (READY_AFTER, MonitorStatus.COMPLETED)):
        claims.ledger.schedule(
            now + delay, MONITOR_STEP, {"monitor_id": monitor.id, "step": step}, f"claim monitor {monitor.id}: {step}"
        )
    return monitor, list(dict.fromkeys(warnings))


def monitor_step(claims: Claims, payload: dict[str, Any]) -> None:
    """The monitor's timers: ``IN_PROGRESS`` at 5 s; at 10 s the claim is processed."""
    monitor = claims.monitors.get(payload["monitor_id"])
    if monitor is None:
        return
    now = claims.clock.timestamp()
    if payload["step"] == MonitorStatus.IN_PROGRESS and monitor.status == MonitorStatus.PENDING:
        MONITOR_STATES.move(monitor, MonitorStatus.IN_PROGRESS)
    elif payload["step"] == MonitorStatus.COMPLETED and monitor.status == MonitorStatus.IN_PROGRESS:
        try:
            claim = _process(claims, monitor)
        except ApiError as refused:
            MONITOR_STATES.move(monitor, MonitorStatus.ERROR)
            monitor.error_code, monitor.error_message = refused.code, refused.message
            monitor.error_details = [{"path": e.path, "message": e.message, "metadata": {}} for e in refused.errors]
        else:
            MONITOR_STATES.move(monitor, MonitorStatus.COMPLETED)
            monitor.claim_id = claim.id
    monitor.updated_at = now


def _process(claims: Claims, monitor: Monitor) -> Claim:
    request = monitor.request
    world = claims.world
    sponsor = world.sponsor(request["sponsor_slug"])
    if sponsor is None:
        raise ApiError("MOCK-404-sponsor-not-found", errors=[FieldError("sponsor_slug", "is not a known sponsor")])
    beneficiary = world.beneficiary(request["beneficiary_id"])
    if beneficiary is None or beneficiary.sponsor_slug != sponsor.sponsor_slug:
        raise ApiError(
            "MOCK-404-beneficiary-not-found",
            errors=[FieldError("beneficiary_id", f"is not a beneficiary of {sponsor.sponsor_slug}")],
        )
    if not beneficiary.coverage_active(claims.ledger.today()):
        raise ApiError("MOCK-422-coverage-inactive", errors=[FieldError("beneficiary_id", "has no active coverage")])
    products = _line_products(claims, monitor, sponsor.sponsor_slug)
    authorization = None
    if request["authorization_id"] is not None:
        authorization = _authorization(claims, request["authorization_id"], "authorization_id")
        if authorization.beneficiary_id != beneficiary.beneficiary_id:
            raise ApiError(
                "MOCK-422-code-not-redeemable",
                errors=[FieldError("authorization_id", "belongs to another beneficiary")],
            )
        claims.ledger.area(Authorizations).check_redeemable(authorization)
    elif not sponsor.claims_without_authorization:
        raise ApiError(
            "MOCK-422-authorization-required",
            errors=[FieldError("authorization_id", f"is required by {sponsor.sponsor_slug}")],
        )
    lines = _claim_lines(claims, authorization, products, sponsor.currency_code)
    doctor = request["doctor"]
    claim = claims.new_claim(
        ClaimType.OUTPATIENT_CARE,
        monitor.provider_slug,
        beneficiary.beneficiary_id,
        sponsor.sponsor_slug,
        sponsor.currency_code,
        lines,
        ClaimStatus.READY,
        authorization_id=authorization.id if authorization else None,
        authorization_code=authorization.code if authorization else None,
        doctor=Doctor(
            doctor.get("doctor_name"),
            doctor.get("doctor_medical_license_number"),
            doctor.get("doctor_country_code"),
            doctor.get("doctor_specialty_name"),
        ),
        diagnoses=list(request["diagnoses"]),
        monitor_id=monitor.id,
    )
    if authorization is not None:
        claims.take(authorization, lines)
    return claim


def _check_products(
    claims: Claims, provider_slug: str, items: list[dict[str, Any]], problems: list[FieldError]
) -> None:
    """At filing: each line item's product is in the catalogue and registered by the provider
    (``071-104`` when that is the only problem), along with the request's other problems."""
    named = []
    for i, item in enumerate(items):
        product = claims.world.product(item["product_code"])
        if product is None:
            problems.append(FieldError(f"line_items[{i}].product_code", "is not in the catalogue"))
        else:
            named.append((f"line_items[{i}].product_code", product))
    claims.ledger.area(Registrations).check(provider_slug, named, problems)


def _line_products(claims: Claims, monitor: Monitor, sponsor_slug: str) -> list[tuple[str, Any, int]]:
    """At processing: ``(path, product, quantity)`` per line item, of its stated type and covered by the
    sponsor."""
    sponsor = claims.world.sponsors[sponsor_slug]
    problems: list[FieldError] = []
    products = []
    for i, item in enumerate(monitor.request["line_items"]):
        path = f"line_items[{i}]"
        product = claims.world.product(item["product_code"])
        if item["product_type"] is not None and item["product_type"] != product.product_type:
            problems.append(FieldError(f"{path}.product_type", f"{product.product_code} is {product.product_type}"))
        elif not sponsor.covers(product.product_type):
            problems.append(FieldError(f"{path}.product_code", f"{product.product_type} is not covered"))
        products.append((path, product, int(item["quantity"])))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    return products


def _claim_lines(
    claims: Claims, authorization: Authorization | None, products: list[tuple[str, Any, int]], currency: str
) -> list[ClaimLine]:
    tied: list[int | None] = [None] * len(products)
    if authorization is not None:
        picked = pick(authorization, [Wanted(path, None, p.product_code, q) for path, p, q in products])
        tied = [line.id for line, _ in picked]
    return [
        ClaimLine(
            claims.ids.next_id("claim_line"),
            product.product_code,
            product.name,
            product.product_type,
            quantity,
            money.list_price(product, currency, f"{path}.product_code"),
            0.0,
            line_id,
        )
        for (path, product, quantity), line_id in zip(products, tied, strict=True)
    ]


# -- medical procedure ------------------------------------------------------------------------------
def file_procedure(claims: Claims, principal: Principal, body: dict[str, Any]) -> Claim:
    authorization = _authorization(claims, int(body["authorization_id"]), "authorization_id")
    if authorization.product_type != ProductType.MEDICAL_PROCEDURE:
        raise ApiError(
            "MOCK-422-validation-failed",
            errors=[FieldError("authorization_id", f"is a {authorization.product_type} authorization")],
        )
    claims.ledger.area(Authorizations).check_redeemable(authorization)
    asked = body.get("products")
    if asked:
        wanted = [Wanted(f"products[{i}]", None, p["product_code"], int(p["quantity"])) for i, p in enumerate(asked)]
    else:
        wanted = [Wanted("products", line.id, None, remaining(line)) for line in open_lines(authorization)]
    currency = _currency(claims, authorization.sponsor_slug)
    lines = []
    for line, units in pick(authorization, wanted):
        product = claims.world.product(line.product_code)
        price = money.list_price(product, currency, "products") if product else 0.0
        lines.append(
            ClaimLine(
                claims.ids.next_id("claim_line"),
                line.product_code,
                line.product_name,
                line.product_type,
                units,
                price,
                0.0,
                line.id,
            )
        )
    claim = claims.new_claim(
        ClaimType.MEDICAL_PROCEDURE,
        principal.provider_slug,
        authorization.beneficiary_id,
        authorization.sponsor_slug,
        currency,
        lines,
        ClaimStatus.IN_PROGRESS,
        authorization_id=authorization.id,
        authorization_code=authorization.code,
        doctor=replace(authorization.doctor),
        additional_notes=body.get("additional_notes"),
    )
    claims.take(authorization, lines)
    timer = claims.ledger.schedule(
        claim.created_at + IN_PROGRESS_AFTER, PROCEDURE_READY, {"claim_id": claim.id}, f"claim {claim.id} is READY"
    )
    claim.ready_timer_id = timer.id
    return claim


def procedure_ready(claims: Claims, payload: dict[str, Any]) -> None:
    claim = claims.claims.get(payload["claim_id"])
    if claim is not None and claim.status == ClaimStatus.IN_PROGRESS:
        CLAIM_STATES.move(claim, ClaimStatus.READY)
        claim.ready_timer_id = None
        claim.updated_at = claims.clock.timestamp()
