"""Verification challenges and biometric readings.

When a sponsor needs an OTP or a biometric match to complete a pre-authorization and the request
lacks it, the mock opens a *challenge* and answers 422 with ``verification_required`` and a
``challenge_url``: a page the mock serves where QA chooses "match" or "no match" by hand;
``POST /__admin/challenges/{id}/decision`` does the same by API. A match satisfies the request's
verification of that kind.

Biometric readings (``POST .../biometrics``) follow documented quality rules:

- the reading must be Base64; decoded, at least 1,024 bytes (smaller: 422, too low a quality);
- a reading whose bytes contain ``NO_MATCH`` does not match; any other reading matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = ["MIN_READING_BYTES", "NO_MATCH_MARKER", "Challenge", "decide", "open_challenge", "read_biometric"]

MIN_READING_BYTES = 1024
NO_MATCH_MARKER = b"NO_MATCH"
KINDS = ("OTP", "BIOMETRIC")
OUTCOMES = ("MATCH", "NO_MATCH")


@dataclass
class Challenge:
    challenge_id: str
    kind: str  # OTP | BIOMETRIC
    authorization_request_id: int
    beneficiary_id: int
    sponsor_slug: str
    created_at: float
    status: str = "PENDING"  # PENDING | MATCH | NO_MATCH
    decided_at: float | None = None

    def view(self, base_url: str) -> dict[str, Any]:
        return {
            "challenge_id": self.challenge_id,
            "kind": self.kind,
            "authorization_request_id": self.authorization_request_id,
            "beneficiary_id": self.beneficiary_id,
            "sponsor_slug": self.sponsor_slug,
            "status": self.status,
            "created_at": format_instant(self.created_at),
            "decided_at": None if self.decided_at is None else format_instant(self.decided_at),
            "challenge_url": challenge_url(base_url, self.challenge_id),
        }


def challenge_url(base_url: str, challenge_id: str) -> str:
    return f"{base_url.rstrip('/')}/challenges/{challenge_id}"


def open_challenge(ledger: Ledger, kind: str, request: Any) -> Challenge:
    """The request's pending challenge of this kind, or a new one."""
    for challenge_id in reversed(request.challenge_ids):
        challenge = ledger.challenges.get(challenge_id)
        if challenge is not None and challenge.kind == kind and challenge.status == "PENDING":
            return challenge
    challenge = Challenge(
        ledger.ids.uuid(), kind, request.id, request.beneficiary_id, request.sponsor_slug, ledger.clock.timestamp()
    )
    ledger.challenges[challenge.challenge_id] = challenge
    request.challenge_ids.append(challenge.challenge_id)
    if ledger.on_challenge_opened is not None:
        ledger.on_challenge_opened(challenge.challenge_id)
    return challenge


def decide(ledger: Ledger, challenge_id: str, outcome: str) -> Challenge:
    challenge = ledger.challenges.get(challenge_id)
    if challenge is None:
        raise ApiError("MOCK-404-challenge-not-found", f"No challenge {challenge_id!r}.")
    if outcome not in OUTCOMES:
        raise ApiError("MOCK-422-validation-failed", errors=[FieldError("outcome", "must be MATCH or NO_MATCH")])
    if challenge.status != "PENDING":
        raise ApiError("MOCK-409-challenge-decided", f"The challenge was already decided: {challenge.status}.")
    challenge.status = outcome
    challenge.decided_at = ledger.clock.timestamp()
    request = ledger.authorization_requests.get(challenge.authorization_request_id)
    if request is not None:
        if challenge.kind == "OTP":
            request.otp_verified = request.otp_verified or outcome == "MATCH"
        else:
            request.biometric_result = outcome
    return challenge


def read_biometric(ledger: Ledger, request: Any, reading_type: str, reading_base64: str) -> dict[str, Any]:
    """Judge a reading by the documented rules; a result also settles the request's biometric challenge."""
    try:
        raw = base64.b64decode(reading_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            "MOCK-422-validation-failed", errors=[FieldError("reading_base64", "is not valid Base64")]
        ) from None
    if len(raw) < MIN_READING_BYTES:
        raise ApiError(
            "MOCK-422-biometric-low-quality",
            f"The reading is {len(raw)} bytes; at least {MIN_READING_BYTES} are needed.",
            errors=[FieldError("reading_base64", f"decodes to fewer than {MIN_READING_BYTES} bytes")],
        )
    result = "NO_MATCH" if NO_MATCH_MARKER in raw else "MATCH"
    request.biometric_result = result
    for challenge_id in request.challenge_ids:
        challenge = ledger.challenges.get(challenge_id)
        if challenge is not None and challenge.kind == "BIOMETRIC" and challenge.status == "PENDING":
            challenge.status = result
            challenge.decided_at = ledger.clock.timestamp()
    quality = min(100, 40 + len(raw) // 256)
    return {
        "reading_id": ledger.ids.next_id("biometric_reading"),
        "authorization_request_id": request.id,
        "type": reading_type,
        "result": result,
        "quality_score": quality,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "read_at": format_instant(ledger.clock.timestamp()),
    }
