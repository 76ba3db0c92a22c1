"""The verification a dispensation's complete needs (``verification_required``, from the sponsor's
``dispense`` rule for the product type, in ``fixtures/world/sponsors.yaml``: the Dominican sponsor asks an
OTP for DRUG, the Guatemalan one a biometric for MEDICAL_PROCEDURE).

- **OTP**: an ``otp_verification_token`` from ``/otp/validate`` for the beneficiary and sponsor (single-use:
  consumed here), or the code itself as an ``external_verifications`` item ``{type: OTP, value}``
  (the OTP is then used up).
- **Biometric**: an ``external_verifications`` item ``{type: BIOMETRIC, value: <Base64 reading>}`` judged by
  the documented quality rules, or the dispensation's challenge decided ``MATCH`` (its page, or
  ``POST /__admin/challenges/{id}/decision``).

External verifications given at start count at complete too. Without what it needs, complete answers 422
``MOCK-422-verification-required`` with ``verification_required`` and a challenge.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mock_server.core.errors import ApiError
from mock_server.domain.dispensing.records import Dispensation
from mock_server.domain.reference import VerificationRule
from mock_server.domain.verification import ChallengeStatus, Verification, VerificationKind

if TYPE_CHECKING:
    from mock_server.domain.dispensing.backend import Dispensing

__all__ = ["VerificationState", "kind_of", "status_view", "verify"]


class VerificationState(StrEnum):
    """Where a dispensation's verification stands (``getDispensationVerificationStatus``; inferred)."""

    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    FAILED = "FAILED"


def kind_of(rule: VerificationRule) -> VerificationKind:
    return VerificationKind(rule.value)


def _given(dispensation: Dispensation, body: dict[str, Any], kind: VerificationKind) -> list[tuple[str, str]]:
    """``(path, value)`` of the external verifications of this kind, the complete's first, then the start's."""
    found = []
    for where, items in (
        ("external_verifications", body.get("external_verifications") or []),
        ("start.external_verifications", dispensation.external_verifications),
    ):
        for i, item in enumerate(items):
            if str(item.get("type", "")).upper() == kind and item.get("value") is not None:
                found.append((f"{where}[{i}].value", str(item["value"])))
    return found


def _challenge_status(verification: Verification, dispensation: Dispensation) -> ChallengeStatus | None:
    challenge = verification.challenges.get(dispensation.challenge_id or "")
    return challenge.status if challenge else None


def verify(dispensing: Dispensing, dispensation: Dispensation, body: dict[str, Any]) -> None:
    """Check (and use up) the verification; 422 with a challenge when it is missing or does not match."""
    kind = dispensation.verification_required
    if kind is None or dispensation.verified:
        return
    verification = dispensing.ledger.area(Verification)
    if _challenge_status(verification, dispensation) == ChallengeStatus.MATCH:
        dispensation.verified = True
        return
    beneficiary_id, sponsor_slug = dispensation.beneficiary_id, dispensation.sponsor_slug
    why = f"{sponsor_slug} needs {'an OTP' if kind == VerificationKind.OTP else 'a biometric match'} to complete it."
    if kind == VerificationKind.OTP:
        token = body.get("otp_verification_token")
        if token:
            record = verification.check_token(token, beneficiary_id, sponsor_slug)
            verification.consume_token(record)
            dispensation.verified = True
            return
        for _, code in _given(dispensation, body, kind):
            otp = verification.matches_code(code, beneficiary_id, sponsor_slug)
            if otp is not None:
                verification.consume_code(otp)
                dispensation.verified = True
                return
    else:
        for path, reading in _given(dispensation, body, kind):
            result, _ = verification.judge_reading(reading, path)
            if result == ChallengeStatus.MATCH:
                dispensation.verified = True
                return
            why = "The biometric reading did not match; read again."
    challenge = verification.open_challenge(
        kind, None, beneficiary_id, sponsor_slug, dispensation_id=dispensation.dispensation_id
    )
    dispensation.challenge_id = challenge.challenge_id
    raise ApiError(
        "MOCK-422-verification-required",
        f"Dispensation {dispensation.dispensation_id}: {why}",
        extra={"verification_required": kind, "challenge_id": challenge.challenge_id},
    )


def status_view(dispensing: Dispensing, dispensation: Dispensation) -> dict[str, Any]:
    """``getDispensationVerificationStatus`` (the HTTP layer adds ``challenge_url`` when there is a challenge)."""
    kind = dispensation.verification_required
    challenge = _challenge_status(dispensing.ledger.area(Verification), dispensation)
    if kind is None:
        state = VerificationState.NOT_REQUIRED
    elif dispensation.verified or challenge == ChallengeStatus.MATCH:
        state = VerificationState.VERIFIED
    elif challenge == ChallengeStatus.NO_MATCH:
        state = VerificationState.FAILED
    else:
        state = VerificationState.PENDING
    return {
        "dispensation_id": dispensation.dispensation_id,
        "verification_required": kind,
        "status": state,
        "challenge_id": dispensation.challenge_id,
    }
