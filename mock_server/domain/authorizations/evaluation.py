"""Complete and the sponsor's evaluation (``contracts/openapi.yaml``: completeAuthorizationRequest).

Complete checks what the sponsor needs first: the documents its policy requires (422, the request stays
``PENDING_INDICATION``), active coverage, and the verification it asks for (OTP or biometric: 422 with
``verification_required`` and a challenge). Then the sponsor evaluates:

- a synchronous sponsor answers at once; an asynchronous one leaves the request ``PENDING_SPONSOR`` and
  decides on the mock clock (30 s);
- lines are grouped by product type, each group split further when the sponsor caps the lines per
  authorization; each line gets a decision from the beneficiary's behaviour (its persona, or an outcome
  forced through the admin plane) and the plan's benefit limits;
- a group with an approved line (or lines awaiting manual review) becomes one authorization; a group
  with none is an ``authorization.rejected`` event.

The sponsor's later decision on what it had pending (``POST /__admin/authorization-requests/{id}/
decision``: an asynchronous evaluation, or a manual review) runs the same line decisions. Completing
twice creates nothing new.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.authorizations import benefits, payloads
from mock_server.domain.authorizations.lifecycle import schedule_expiry, void_record
from mock_server.domain.authorizations.records import (
    AUTHORIZATION_STATES,
    REQUEST_STATES,
    Authorization,
    AuthorizationLine,
    AuthorizationRequest,
    AuthorizationStatus,
    Decision,
    Forced,
    ForcedOutcome,
    LineDecision,
    LineStatus,
    RequestLine,
    RequestStatus,
    VoidedBy,
)
from mock_server.domain.codes import Codes, CodeType
from mock_server.domain.events import EventType
from mock_server.domain.reference import Behaviour, EvaluationMode, ProductTypeRule, Sponsor, VerificationRule
from mock_server.domain.sponsors import behaviour_of
from mock_server.domain.verification import ChallengeStatus, Verification, VerificationKind

if TYPE_CHECKING:
    from mock_server.domain.authorizations.backend import Authorizations

__all__ = ["SPONSOR_DECISION", "complete", "decide", "missing_documents", "sponsor_decision"]

SPONSOR_DECISION = "authorization.sponsor-decision"
DEFAULT_REJECTION = "El patrocinador rechazó la solicitud."
BENEFIT_LIMIT_VOID = "Límite de beneficio alcanzado."
_GRANTED = (LineDecision.APPROVED, LineDecision.MANUAL_APPROVAL_REQUIRED)


# -- complete ----------------------------------------------------------------------------------------
def _rules(authz: Authorizations, request: AuthorizationRequest) -> tuple[Sponsor, list[ProductTypeRule]]:
    sponsor = authz.world.sponsors[request.sponsor_slug]
    types = list(dict.fromkeys(line.product_type for line in request.lines))
    return sponsor, [sponsor.rules[t] for t in types]


def missing_documents(authz: Authorizations, request: AuthorizationRequest) -> list[FieldError]:
    _, rules = _rules(authz, request)
    have = {d.document_type for d in request.documents}
    return [
        FieldError("documents", f"a {doc} document is required for {rule.product_type}")
        for rule in rules
        for doc in rule.required_documents
        if doc not in have
    ]


def complete(authz: Authorizations, provider_slug: str, request_id: int, body: dict[str, Any]) -> AuthorizationRequest:
    request = authz.request_of(provider_slug, request_id)
    if request.status != RequestStatus.PENDING_INDICATION:
        return request  # completing again returns the same result and creates nothing
    missing = missing_documents(authz, request)
    if missing:
        raise ApiError("MOCK-422-documents-missing", errors=missing)
    beneficiary = authz.world.beneficiary(request.beneficiary_id)
    if not beneficiary.coverage_active(authz.ledger.today()):
        raise ApiError("MOCK-422-coverage-inactive", errors=[FieldError("beneficiary_id", "has no active coverage")])
    sponsor, rules = _rules(authz, request)
    _verify(authz, request, sponsor, rules, body)
    now = authz.clock.timestamp()
    request.completed_at = request.updated_at = now
    outcome = authz.next_outcomes.pop(request.beneficiary_id, None)
    if sponsor.evaluation_mode == EvaluationMode.ASYNCHRONOUS:
        REQUEST_STATES.move(request, RequestStatus.PENDING_SPONSOR)
        timer = authz.ledger.schedule(
            now + sponsor.decision_delay_seconds,
            SPONSOR_DECISION,
            {"authorization_request_id": request.id, "outcome": outcome.as_payload() if outcome else None},
            f"{sponsor.sponsor_slug} decides authorization request {request.id}",
        )
        request.decision_timer_id = timer.id
    else:
        _evaluate(authz, request, outcome)
    return request


def _verify(
    authz: Authorizations, request: AuthorizationRequest, sponsor: Sponsor, rules: list[ProductTypeRule], body: dict
) -> None:
    """The verification the sponsor asks for: OTP (a verification token, or the code itself as an external
    verification) and biometric (a matching reading or challenge). 422 with a challenge when absent."""
    verification = authz.ledger.area(Verification)
    needs = {rule.complete_authorization for rule in rules} - {VerificationRule.NONE}
    proof = verification.proof_of(request.id)
    token_record = None
    if VerificationRule.OTP in needs and not proof.otp_verified:
        token = body.get("otp_verification_token")
        codes = [
            str(v.get("value", ""))
            for v in body.get("external_verifications") or []
            if str(v.get("type", "")).upper() == "OTP"
        ]
        if token:
            token_record = verification.check_token(token, request.beneficiary_id, request.sponsor_slug)
        elif not any(verification.matches_code(c, request.beneficiary_id, request.sponsor_slug) for c in codes):
            why = f"{sponsor.sponsor_slug} needs an OTP from the beneficiary to complete this request."
            raise _verification_required(verification, request, VerificationKind.OTP, why)
    if VerificationRule.BIOMETRIC in needs and proof.biometric_result != ChallengeStatus.MATCH:
        why = (
            "The biometric reading did not match; read again."
            if proof.biometric_result == ChallengeStatus.NO_MATCH
            else f"{sponsor.sponsor_slug} needs a biometric match to complete this request."
        )
        raise _verification_required(verification, request, VerificationKind.BIOMETRIC, why)
    if token_record is not None:
        verification.consume_token(token_record)
    if VerificationRule.OTP in needs:
        verification.record_otp(request.id)


def _verification_required(
    verification: Verification, request: AuthorizationRequest, kind: VerificationKind, why: str
) -> ApiError:
    challenge = verification.open_challenge(kind, request.id, request.beneficiary_id, request.sponsor_slug)
    return ApiError(
        "MOCK-422-verification-required",
        why,
        extra={"verification_required": kind, "challenge_id": challenge.challenge_id},
    )


# -- the sponsor's evaluation ------------------------------------------------------------------------
def _behaviour(authz: Authorizations, request: AuthorizationRequest, forced: Forced | None) -> tuple[Behaviour, str]:
    """(behaviour, rejection reason) for this evaluation: a forced outcome, else the beneficiary's own."""
    world = authz.world
    persona = world.persona_of(request.beneficiary_id)
    reason = persona.rejection_reason if persona and persona.rejection_reason else DEFAULT_REJECTION
    if forced is not None:
        return forced.outcome.behaviour, forced.reason or reason
    return behaviour_of(world, world.beneficiary(request.beneficiary_id), authz.ledger.today()), reason


def _chunks(authz: Authorizations, request: AuthorizationRequest) -> list[list[RequestLine]]:
    """The request's lines by product type, each group split by the sponsor's cap on lines."""
    sponsor = authz.world.sponsors[request.sponsor_slug]
    chunks = []
    for product_type in dict.fromkeys(line.product_type for line in request.lines):
        group = [line for line in request.lines if line.product_type == product_type]
        size = sponsor.rules[product_type].max_lines_per_authorization or len(group)
        chunks += [group[i : i + size] for i in range(0, len(group), size)]
    return chunks


def _judge(
    authz: Authorizations,
    request: AuthorizationRequest,
    line: RequestLine,
    position: int,
    behaviour: Behaviour,
    reason: str,
    period: str,
) -> None:
    """One line's decision; ``position`` is its place in its group (partial approval keeps the first)."""
    if behaviour == Behaviour.MANUAL_REVIEW:
        line.status, line.reason = LineDecision.MANUAL_APPROVAL_REQUIRED, None
    elif behaviour == Behaviour.REJECTED or (behaviour == Behaviour.PARTIAL_APPROVAL and position > 0):
        line.status, line.reason = LineDecision.REJECTED, reason
    else:
        refused = benefits.try_use(authz, request.beneficiary_id, line.product_type, line.quantity, period)
        line.status, line.reason = (LineDecision.REJECTED, refused) if refused else (LineDecision.APPROVED, None)


def _evaluate(authz: Authorizations, request: AuthorizationRequest, forced: Forced | None) -> None:
    behaviour, reason = _behaviour(authz, request, forced)
    period = datetime.fromtimestamp(authz.clock.timestamp(), tz=UTC).strftime("%Y-%m")
    manual = behaviour == Behaviour.MANUAL_REVIEW
    for chunk in _chunks(authz, request):
        for position, line in enumerate(chunk):
            _judge(authz, request, line, position, behaviour, reason, period)
        if any(line.status in _GRANTED for line in chunk):
            _grant(authz, request, chunk, period, pending_review=manual)
        else:
            _emit_rejected(authz, request, chunk[0].product_type, chunk[0].reason or reason)
    _settle(authz, request, manual=manual, reason=reason)


def _settle(authz: Authorizations, request: AuthorizationRequest, *, manual: bool, reason: str) -> None:
    """The request's diagnoses and status follow its lines' decisions."""
    approved = any(line.status == LineDecision.APPROVED for line in request.lines)
    for diagnosis in request.diagnoses:
        if manual:
            diagnosis.status = LineDecision.MANUAL_APPROVAL_REQUIRED
        else:
            diagnosis.status = LineDecision.APPROVED if approved else LineDecision.REJECTED
    if manual:
        target = RequestStatus.PENDING_SPONSOR
    elif not approved:
        target = RequestStatus.REJECTED
    elif all(line.status == LineDecision.APPROVED for line in request.lines):
        target = RequestStatus.APPROVED
    else:
        target = RequestStatus.PARTIALLY_APPROVED
    if request.status != target:
        REQUEST_STATES.move(request, target)
    if target == RequestStatus.REJECTED:
        request.rejection_reason = next((line.reason for line in request.lines if line.reason), reason)
    request.updated_at = authz.clock.timestamp()


def _grant(
    authz: Authorizations, request: AuthorizationRequest, chunk: list[RequestLine], period: str, *, pending_review: bool
) -> Authorization:
    sponsor = authz.world.sponsors[request.sponsor_slug]
    rule = sponsor.rules[chunk[0].product_type]
    now = authz.clock.timestamp()
    authorization_id = authz.ids.next_id("authorization")
    authorization = Authorization(
        id=authorization_id,
        code=authz.ids.authorization_code(),
        authorization_request_id=request.id,
        provider_slug=request.provider_slug,
        beneficiary_id=request.beneficiary_id,
        sponsor_slug=request.sponsor_slug,
        sponsor_authorization_code=f"{sponsor.member_prefix}-A{authorization_id}",
        product_type=rule.product_type,
        coverage_type=rule.coverage_type,
        payment_type=sponsor.payment_type,
        status=AuthorizationStatus.PENDING_REVIEW if pending_review else AuthorizationStatus.READY,
        manual_review_required=pending_review,
        manually_approved=False,
        lines=[_authorization_line(authz, line) for line in chunk],
        doctor=replace(request.doctor),
        created_at=now,
        updated_at=now,
        expires_at=now + sponsor.authorization_validity_days * 86400,
        usage_period=period,
    )
    for line in chunk:
        line.authorization_id = authorization.id
    authz.authorizations[authorization.id] = authorization
    authz.ledger.area(Codes).register(authorization.code, CodeType.AUTHORIZATION, authorization.id)
    request.authorization_ids.append(authorization.id)
    schedule_expiry(authz, authorization)
    if not pending_review:
        authz.ledger.emit(EventType.AUTHORIZATION_CREATED, authorization.provider_slug, payloads.created(authorization))
    return authorization


def _authorization_line(authz: Authorizations, line: RequestLine) -> AuthorizationLine:
    return AuthorizationLine(
        id=authz.ids.next_id("authorization_product"),
        product_id=line.product_id,
        product_code=line.product_code,
        product_name=line.product_name,
        product_type=line.product_type,
        quantity=line.quantity,
        authorized_quantity=line.quantity if line.status == LineDecision.APPROVED else 0,
        claimed_quantity=0,
        status=LineStatus(line.status),
        reason=line.reason,
        posology=line.posology,
        treatment_duration_days=line.treatment_duration_days,
    )


def _emit_rejected(
    authz: Authorizations,
    request: AuthorizationRequest,
    product_type: str,
    reason: str,
    authorization: Authorization | None = None,
) -> None:
    data = payloads.rejected(
        request_id=request.id,
        beneficiary_id=request.beneficiary_id,
        sponsor_slug=request.sponsor_slug,
        product_type=product_type,
        reason=reason,
        authorization=authorization,
    )
    authz.ledger.emit(EventType.AUTHORIZATION_REJECTED, request.provider_slug, data)


def sponsor_decision(authz: Authorizations, payload: dict[str, Any]) -> None:
    """The asynchronous sponsor's timer: evaluate a request still waiting for it."""
    request = authz.requests.get(payload["authorization_request_id"])
    if request is not None and request.status == RequestStatus.PENDING_SPONSOR and not request.authorization_ids:
        request.decision_timer_id = None
        _evaluate(authz, request, Forced.from_payload(payload.get("outcome")))


# -- the sponsor's decision on what it had pending (the admin plane) --------------------------------
def decide(authz: Authorizations, request_id: int, outcome: Decision, reason: str | None) -> AuthorizationRequest:
    """Decide what the sponsor has pending for a request: an asynchronous evaluation or a manual review."""
    request = authz.request_of(None, request_id)
    if request.status == RequestStatus.PENDING_SPONSOR and request.decision_timer_id:
        authz.clock.cancel(request.decision_timer_id)
        request.decision_timer_id = None
        _evaluate(authz, request, Forced(ForcedOutcome(outcome), reason))
        return request
    pending = [
        authz.authorizations[i]
        for i in request.authorization_ids
        if authz.authorizations[i].status == AuthorizationStatus.PENDING_REVIEW
    ]
    if not pending:
        raise ApiError(
            "MOCK-409-nothing-to-decide", f"Request {request_id} has no decision pending ({request.status})."
        )
    approve = Decision(outcome) == Decision.APPROVED
    why = reason or DEFAULT_REJECTION
    for authorization in pending:
        _review(authz, request, authorization, approve, why)
    _settle(authz, request, manual=False, reason=why)
    return request


def _review(
    authz: Authorizations, request: AuthorizationRequest, authorization: Authorization, approve: bool, why: str
) -> None:
    """A manual review's outcome for one authorization: its lines judged again, then READY or voided."""
    authorization.updated_at = authz.clock.timestamp()
    behaviour = Behaviour.APPROVED if approve else Behaviour.REJECTED
    request_lines = [line for line in request.lines if line.authorization_id == authorization.id]
    for request_line, line in zip(request_lines, authorization.lines, strict=True):
        _judge(authz, request, request_line, 0, behaviour, why, authorization.usage_period)
        line.status, line.reason = LineStatus(request_line.status), request_line.reason
        line.authorized_quantity = line.quantity if line.status == LineStatus.APPROVED else 0
    if not approve:
        void_record(authz, authorization, VoidedBy.SPONSOR, why, emit=False)
        _emit_rejected(authz, request, authorization.product_type, why, authorization)
        return
    authorization.manually_approved = True
    if any(line.status == LineStatus.APPROVED for line in authorization.lines):
        AUTHORIZATION_STATES.move(authorization, AuthorizationStatus.READY)
        authz.ledger.emit(EventType.AUTHORIZATION_CREATED, authorization.provider_slug, payloads.created(authorization))
    else:
        void_record(authz, authorization, VoidedBy.SPONSOR, BENEFIT_LIMIT_VOID)
