"""Verification: one-time passwords, verification challenges and biometric readings.

**OTP** (``contracts/openapi.yaml``: sendOtp, validateOtp). :meth:`Verification.generate` sends a
6-digit code to the beneficiary (into the outbox; personas always get 123456), valid 300 s on the mock
clock. :meth:`Verification.validate` checks it: a wrong code counts, and the third wrong code locks the
OTP (every later validate, the right code included, is refused; inferred). A right code gives a
verification token: single-use, bound to the beneficiary and the sponsor (not to the provider, so the
clinic may generate it and the pharmacy use it), consumed by the first operation that needs it.

**Challenges.** When a sponsor needs an OTP or a biometric match to complete a pre-authorization and
the request lacks it, the mock opens a challenge and answers 422 with ``verification_required`` and the
challenge's page (``/challenges/{id}``), where QA chooses "match" or "no match" by hand;
``POST /__admin/challenges/{id}/decision`` does the same by API.

**Biometric readings** follow documented quality rules: the reading must be Base64; decoded, at least
1,024 bytes (smaller: 422, too low a quality); a reading whose bytes contain ``NO_MATCH`` does not
match, any other reading matches.

What a request has proven (an OTP match, the latest biometric result) is kept here, per request, and
the pre-authorization asks for it (:meth:`Verification.proof_of`): this area knows nothing of requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mock_server.core.clock import format_instant, format_optional_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.states import StateMachine
from mock_server.domain.ledger import Area, TimerHandler
from mock_server.domain.outbox import Outbox, OutboxKind

__all__ = [
    "CHALLENGE_OUTCOMES",
    "CHALLENGE_STATES",
    "OTP_STATES",
    "Challenge",
    "ChallengeStatus",
    "Otp",
    "OtpChannel",
    "OtpStatus",
    "OtpToken",
    "Proof",
    "Verification",
    "VerificationKind",
]

EXPIRES_IN = 300
MAX_WRONG = 3
TOKEN_TTL = 900  # inferred: how long a verification token stays usable
MIN_READING_BYTES = 1024
NO_MATCH_MARKER = b"NO_MATCH"
OTP_EXPIRE = "otp.expire"


class VerificationKind(StrEnum):
    OTP = "OTP"
    BIOMETRIC = "BIOMETRIC"


class OtpChannel(StrEnum):
    SMS = "SMS"
    EMAIL = "EMAIL"


class OtpStatus(StrEnum):
    PENDING = "PENDING"
    VALIDATED = "VALIDATED"
    LOCKED = "LOCKED"


class ChallengeStatus(StrEnum):
    """A challenge's status; its decided values are also a biometric reading's result."""

    PENDING = "PENDING"
    MATCH = "MATCH"
    NO_MATCH = "NO_MATCH"


# What a decided challenge or a biometric reading can say.
CHALLENGE_OUTCOMES = (ChallengeStatus.MATCH, ChallengeStatus.NO_MATCH)
OTP_STATES = StateMachine("OTP", OtpStatus, {OtpStatus.PENDING: {OtpStatus.VALIDATED, OtpStatus.LOCKED}})
CHALLENGE_STATES = StateMachine(
    "challenge", ChallengeStatus, {ChallengeStatus.PENDING: {ChallengeStatus.MATCH, ChallengeStatus.NO_MATCH}}
)


@dataclass
class Otp:
    otp_id: str
    beneficiary_id: int
    sponsor_slug: str
    channel: OtpChannel
    code: str
    created_at: float
    expires_at: float
    wrong_attempts: int = 0
    status: OtpStatus = OtpStatus.PENDING


@dataclass
class OtpToken:
    token: str
    beneficiary_id: int
    sponsor_slug: str
    otp_id: str
    expires_at: float
    used: bool = False


@dataclass
class Challenge:
    """A verification the sponsor asks for: of an authorization request's complete, or of a dispensation's
    (``dispensation_id`` set, ``authorization_request_id`` None)."""

    challenge_id: str
    kind: VerificationKind
    authorization_request_id: int | None
    beneficiary_id: int
    sponsor_slug: str
    created_at: float
    status: ChallengeStatus = ChallengeStatus.PENDING
    decided_at: float | None = None
    dispensation_id: int | None = None
    # The OTP sent from the challenge's page (the widgets' iframe), if any.
    otp_id: str | None = None

    @property
    def subject(self) -> str:
        """What waits for it, in words."""
        if self.dispensation_id is not None:
            return f"dispensation {self.dispensation_id}"
        return f"authorization request {self.authorization_request_id}"

    def view(self) -> dict[str, Any]:
        """``contracts/schemas/admin-challenge.schema.json`` without the page's URL (the HTTP layer adds it)."""
        return {
            "challenge_id": self.challenge_id,
            "kind": self.kind,
            "authorization_request_id": self.authorization_request_id,
            "dispensation_id": self.dispensation_id,
            "beneficiary_id": self.beneficiary_id,
            "sponsor_slug": self.sponsor_slug,
            "status": self.status,
            "created_at": format_instant(self.created_at),
            "decided_at": format_optional_instant(self.decided_at),
        }


@dataclass
class Proof:
    """What one authorization request has proven: a matched OTP challenge, the latest biometric result."""

    authorization_request_id: int
    otp_verified: bool = False
    biometric_result: ChallengeStatus | None = None


class Verification(Area):
    name = "verification"
    tables = {
        "otps": ("otps", Otp, "otp_id"),
        "otp_tokens": ("otp_tokens", OtpToken, "token"),
        "challenges": ("challenges", Challenge, "challenge_id"),
        "verification_proofs": ("proofs", Proof, "authorization_request_id"),
    }

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.otps: dict[str, Otp] = {}
        self.otp_tokens: dict[str, OtpToken] = {}
        self.challenges: dict[str, Challenge] = {}
        self.proofs: dict[int, Proof] = {}

    def timers(self) -> Mapping[str, TimerHandler]:
        return {OTP_EXPIRE: self._otp_expired}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        super().restore(snapshot)
        if "verification_proofs" not in snapshot:  # version 2 kept these on the requests themselves
            for item in snapshot.get("authorization_requests", []):
                if item.get("otp_verified") or item.get("biometric_result"):
                    result = item.get("biometric_result")
                    self.proofs[item["id"]] = Proof(
                        item["id"], bool(item.get("otp_verified")), ChallengeStatus(result) if result else None
                    )

    # -- OTP ------------------------------------------------------------------------------------
    def generate(self, beneficiary_id: int, sponsor_slug: str, channel: OtpChannel) -> dict[str, Any]:
        world = self.world
        beneficiary = world.beneficiary(beneficiary_id)
        if world.sponsor(sponsor_slug) is None:
            raise ApiError("MOCK-422-validation-failed", errors=[FieldError("sponsor_slug", "is not a known sponsor")])
        if beneficiary is None or beneficiary.sponsor_slug != sponsor_slug:
            raise ApiError(
                "MOCK-422-validation-failed",
                errors=[FieldError("beneficiary_id", f"is not a beneficiary of {sponsor_slug}")],
            )
        channel = OtpChannel(channel)
        now = self.clock.timestamp()
        code = world.otp_code if world.persona_of(beneficiary_id) is not None else self.ids.digits(6)
        otp = Otp(self.ids.opaque("otp"), beneficiary_id, sponsor_slug, channel, code, now, now + EXPIRES_IN)
        self.otps[otp.otp_id] = otp
        to = beneficiary.email if channel == OtpChannel.EMAIL else beneficiary.phone
        self.ledger.area(Outbox).send(
            OutboxKind.OTP,
            to,
            f"Su código de verificación es {code}. Vence en 5 minutos.",
            otp_id=otp.otp_id,
            beneficiary_id=beneficiary_id,
            code=code,
            subject="Código de verificación" if channel == OtpChannel.EMAIL else None,
        )
        self.ledger.schedule(otp.expires_at, OTP_EXPIRE, {"otp_id": otp.otp_id}, f"OTP {otp.otp_id} expires")
        masked = _mask_email(to) if channel == OtpChannel.EMAIL else _mask_phone(to)
        return {"otp_id": otp.otp_id, "channel": channel, "expires_in": EXPIRES_IN, "masked_destination": masked}

    def _otp_expired(self, payload: dict[str, Any]) -> None:
        """Nothing to change (validation compares times); the timer makes the expiry visible in /__admin/timers."""

    def validate(self, otp_id: str, code: str) -> dict[str, Any]:
        otp = self.otps.get(otp_id)
        if otp is None:
            raise ApiError("MOCK-404-otp-not-found", f"No OTP {otp_id!r}.")
        now = self.clock.timestamp()
        if otp.status == OtpStatus.LOCKED:
            raise ApiError("MOCK-422-otp-locked")
        if otp.status == OtpStatus.VALIDATED:
            raise ApiError("MOCK-422-otp-invalid", "This OTP was already used; generate a new one.")
        if now >= otp.expires_at:
            raise ApiError("MOCK-422-otp-expired")
        if code != otp.code:
            otp.wrong_attempts += 1
            if otp.wrong_attempts >= MAX_WRONG:
                OTP_STATES.move(otp, OtpStatus.LOCKED)
                raise ApiError("MOCK-422-otp-locked", "Three wrong codes: this OTP is locked; generate a new one.")
            left = MAX_WRONG - otp.wrong_attempts
            raise ApiError(
                "MOCK-422-otp-invalid",
                f"The code is wrong ({left} attempt(s) left).",
                errors=[FieldError("code", "does not match")],
            )
        OTP_STATES.move(otp, OtpStatus.VALIDATED)
        token = OtpToken("otv_" + self.ids.token(32), otp.beneficiary_id, otp.sponsor_slug, otp.otp_id, now + TOKEN_TTL)
        self.otp_tokens[token.token] = token
        return {"otp_verification_token": token.token, "expires_in": TOKEN_TTL}

    def check_token(self, token: str, beneficiary_id: int, sponsor_slug: str) -> OtpToken:
        """The token, if usable for this beneficiary and sponsor now; 422 otherwise. Not consumed here."""
        record = self.otp_tokens.get(token)
        if (
            record is None
            or record.used
            or record.beneficiary_id != beneficiary_id
            or record.sponsor_slug != sponsor_slug
            or self.clock.timestamp() >= record.expires_at
        ):
            raise ApiError(
                "MOCK-422-otp-token-invalid",
                errors=[FieldError("otp_verification_token", "is unknown, used, expired or for another beneficiary")],
            )
        return record

    @staticmethod
    def consume_token(record: OtpToken) -> None:
        record.used = True

    def matches_code(self, code: str, beneficiary_id: int, sponsor_slug: str) -> Otp | None:
        """An unexpired, unlocked OTP of this beneficiary and sponsor with this code (an ExternalVerification)."""
        now = self.clock.timestamp()
        for otp in reversed(list(self.otps.values())):
            if (
                otp.beneficiary_id == beneficiary_id
                and otp.sponsor_slug == sponsor_slug
                and otp.status == OtpStatus.PENDING
                and now < otp.expires_at
                and otp.code == code
            ):
                return otp
        return None

    @staticmethod
    def consume_code(otp: Otp) -> None:
        """An OTP given as an external verification is used up by the operation it verified."""
        OTP_STATES.move(otp, OtpStatus.VALIDATED)

    # -- challenges and proofs -------------------------------------------------------------------
    def proof_of(self, request_id: int) -> Proof:
        return self.proofs.get(request_id) or Proof(request_id)

    def _prove(self, request_id: int, kind: VerificationKind, result: ChallengeStatus) -> None:
        proof = self.proofs.setdefault(request_id, Proof(request_id))
        if kind == VerificationKind.OTP:
            proof.otp_verified = proof.otp_verified or result == ChallengeStatus.MATCH
        else:
            proof.biometric_result = result

    def record_otp(self, request_id: int) -> None:
        """The request's OTP was given at complete (a verification token or the code itself)."""
        self._prove(request_id, VerificationKind.OTP, ChallengeStatus.MATCH)

    def open_challenge(
        self,
        kind: VerificationKind,
        request_id: int | None,
        beneficiary_id: int,
        sponsor_slug: str,
        *,
        dispensation_id: int | None = None,
    ) -> Challenge:
        """The request's (or dispensation's) pending challenge of this kind, or a new one."""
        for challenge in reversed(self.challenges.values()):
            if (
                challenge.authorization_request_id == request_id
                and challenge.dispensation_id == dispensation_id
                and challenge.kind == kind
                and challenge.status == ChallengeStatus.PENDING
            ):
                return challenge
        challenge = Challenge(
            self.ids.uuid(),
            VerificationKind(kind),
            request_id,
            beneficiary_id,
            sponsor_slug,
            self.clock.timestamp(),
            dispensation_id=dispensation_id,
        )
        self.challenges[challenge.challenge_id] = challenge
        return challenge

    def _pending_otp_challenge(self, challenge_id: str) -> Challenge:
        challenge = self.challenges.get(challenge_id)
        if challenge is None:
            raise ApiError("MOCK-404-challenge-not-found", f"No challenge {challenge_id!r}.")
        if challenge.status != ChallengeStatus.PENDING:
            raise ApiError("MOCK-409-challenge-decided", f"The challenge was already decided: {challenge.status}.")
        if challenge.kind != VerificationKind.OTP:
            raise ApiError(
                "MOCK-422-validation-failed", errors=[FieldError("action", "this challenge asks for a biometric match")]
            )
        return challenge

    def send_challenge_otp(self, challenge_id: str) -> dict[str, Any]:
        """The beneficiary asks the challenge's page for a code: an SMS OTP, as ``/otp/generate`` sends one."""
        challenge = self._pending_otp_challenge(challenge_id)
        sent = self.generate(challenge.beneficiary_id, challenge.sponsor_slug, OtpChannel.SMS)
        challenge.otp_id = sent["otp_id"]
        return sent

    def answer_challenge_otp(self, challenge_id: str, code: str) -> dict[str, Any]:
        """The code typed on the challenge's page, validated as ``/otp/validate`` would (three wrong codes
        lock it). Right: the answer carries the ``otp_verification_token``, which the embedding widget sends with
        its next complete; the token, not the page, is the proof (the challenge stays PENDING until then)."""
        challenge = self._pending_otp_challenge(challenge_id)
        if challenge.otp_id is None:
            raise ApiError("MOCK-422-validation-failed", errors=[FieldError("code", "send a code first")])
        return self.validate(challenge.otp_id, code)

    def decide(self, challenge_id: str, outcome: str) -> Challenge:
        challenge = self.challenges.get(challenge_id)
        if challenge is None:
            raise ApiError("MOCK-404-challenge-not-found", f"No challenge {challenge_id!r}.")
        if outcome not in CHALLENGE_OUTCOMES:
            raise ApiError("MOCK-422-validation-failed", errors=[FieldError("outcome", "must be MATCH or NO_MATCH")])
        if challenge.status != ChallengeStatus.PENDING:
            raise ApiError("MOCK-409-challenge-decided", f"The challenge was already decided: {challenge.status}.")
        CHALLENGE_STATES.move(challenge, ChallengeStatus(outcome))
        challenge.decided_at = self.clock.timestamp()
        if challenge.authorization_request_id is not None:
            self._prove(challenge.authorization_request_id, challenge.kind, challenge.status)
        return challenge

    @staticmethod
    def judge_reading(reading_base64: str, path: str = "reading_base64") -> tuple[ChallengeStatus, bytes]:
        """A biometric reading by the documented quality rules: ``(MATCH or NO_MATCH, the decoded bytes)``;
        422 when it is not Base64 or too small to judge."""
        try:
            raw = base64.b64decode(reading_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("MOCK-422-validation-failed", errors=[FieldError(path, "is not valid Base64")]) from None
        if len(raw) < MIN_READING_BYTES:
            raise ApiError(
                "MOCK-422-biometric-low-quality",
                f"The reading is {len(raw)} bytes; at least {MIN_READING_BYTES} are needed.",
                errors=[FieldError(path, f"decodes to fewer than {MIN_READING_BYTES} bytes")],
            )
        return (ChallengeStatus.NO_MATCH if NO_MATCH_MARKER in raw else ChallengeStatus.MATCH), raw

    def read_biometric(self, request_id: int, reading_type: str, reading_base64: str) -> dict[str, Any]:
        """Judge a reading by the documented rules; a result also settles the request's biometric challenge."""
        result, raw = self.judge_reading(reading_base64)
        self._prove(request_id, VerificationKind.BIOMETRIC, result)
        for challenge in self.challenges.values():
            if (
                challenge.authorization_request_id == request_id
                and challenge.kind == VerificationKind.BIOMETRIC
                and challenge.status == ChallengeStatus.PENDING
            ):
                CHALLENGE_STATES.move(challenge, result)
                challenge.decided_at = self.clock.timestamp()
        return {
            "reading_id": self.ids.next_id("biometric_reading"),
            "authorization_request_id": request_id,
            "type": reading_type,
            "result": result,
            "quality_score": min(100, 40 + len(raw) // 256),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "read_at": format_instant(self.clock.timestamp()),
        }


def _mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    tail = "".join(digits[-2:])
    return f"{phone.split(' ')[0]} *** *** *{tail}" if phone.startswith("+") else f"*** *** *{tail}"


def _mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"
