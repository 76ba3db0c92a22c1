"""One-time passwords (API.md "OAuth and OTP").

``generate`` sends a 6-digit code to the beneficiary (into the outbox; personas always get 123456),
valid 300 s on the mock clock. ``validate`` checks it: a wrong code counts, and the third wrong code
locks the OTP (every later validate, the right code included, is refused). A right code gives a
verification token: single-use, bound to the beneficiary and the sponsor (not to the provider, so the
clinic may generate it and the pharmacy use it), consumed by the first operation that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import outbox
from mock_server.domain.ledger import timer_action

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = ["EXPIRES_IN", "MAX_WRONG", "Otp", "OtpToken", "consume_token", "generate", "validate"]

EXPIRES_IN = 300
MAX_WRONG = 3
TOKEN_TTL = 900  # inferred: how long a verification token stays usable
CHANNELS = ("SMS", "EMAIL")


@dataclass
class Otp:
    otp_id: str
    beneficiary_id: int
    sponsor_slug: str
    channel: str
    code: str
    created_at: float
    expires_at: float
    wrong_attempts: int = 0
    status: str = "PENDING"  # PENDING | VALIDATED | LOCKED


@dataclass
class OtpToken:
    token: str
    beneficiary_id: int
    sponsor_slug: str
    otp_id: str
    expires_at: float
    used: bool = False


def _mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    tail = "".join(digits[-2:])
    return f"{phone.split(' ')[0]} *** *** *{tail}" if phone.startswith("+") else f"*** *** *{tail}"


def _mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def generate(ledger: Ledger, beneficiary_id: int, sponsor_slug: str, channel: str) -> dict[str, Any]:
    world = ledger.world
    beneficiary = world.beneficiary(beneficiary_id)
    if world.sponsor(sponsor_slug) is None:
        raise ApiError("MOCK-422-validation-failed", errors=[FieldError("sponsor_slug", "is not a known sponsor")])
    if beneficiary is None or beneficiary.sponsor_slug != sponsor_slug:
        raise ApiError(
            "MOCK-422-validation-failed",
            errors=[FieldError("beneficiary_id", f"is not a beneficiary of {sponsor_slug}")],
        )
    now = ledger.clock.timestamp()
    persona = world.persona_of(beneficiary_id)
    code = world.otp_code if persona is not None else ledger.ids.digits(6)
    otp = Otp(ledger.ids.opaque("otp"), beneficiary_id, sponsor_slug, channel, code, now, now + EXPIRES_IN)
    ledger.otps[otp.otp_id] = otp
    to = beneficiary.email if channel == "EMAIL" else beneficiary.phone
    outbox.send(
        ledger,
        "OTP",
        to,
        f"Su código de verificación es {code}. Vence en 5 minutos.",
        otp_id=otp.otp_id,
        beneficiary_id=beneficiary_id,
        code=code,
        subject="Código de verificación" if channel == "EMAIL" else None,
    )
    ledger.schedule(otp.expires_at, "otp.expire", {"otp_id": otp.otp_id}, f"OTP {otp.otp_id} expires")
    masked = _mask_email(to) if channel == "EMAIL" else _mask_phone(to)
    return {"otp_id": otp.otp_id, "channel": channel, "expires_in": EXPIRES_IN, "masked_destination": masked}


@timer_action("otp.expire")
def _expire(ledger: Ledger, payload: dict[str, Any]) -> None:
    """Nothing to change (validation compares times); the timer makes the expiry visible in /__admin/timers."""


def validate(ledger: Ledger, otp_id: str, code: str) -> dict[str, Any]:
    otp = ledger.otps.get(otp_id)
    if otp is None:
        raise ApiError("MOCK-404-otp-not-found", f"No OTP {otp_id!r}.")
    now = ledger.clock.timestamp()
    if otp.status == "LOCKED":
        raise ApiError("MOCK-422-otp-locked")
    if otp.status == "VALIDATED":
        raise ApiError("MOCK-422-otp-invalid", "This OTP was already used; generate a new one.")
    if now >= otp.expires_at:
        raise ApiError("MOCK-422-otp-expired")
    if code != otp.code:
        otp.wrong_attempts += 1
        if otp.wrong_attempts >= MAX_WRONG:
            otp.status = "LOCKED"
            raise ApiError("MOCK-422-otp-locked", "Three wrong codes: this OTP is locked; generate a new one.")
        left = MAX_WRONG - otp.wrong_attempts
        raise ApiError(
            "MOCK-422-otp-invalid",
            f"The code is wrong ({left} attempt(s) left).",
            errors=[FieldError("code", "does not match")],
        )
    otp.status = "VALIDATED"
    token = OtpToken("otv_" + ledger.ids.token(32), otp.beneficiary_id, otp.sponsor_slug, otp.otp_id, now + TOKEN_TTL)
    ledger.otp_tokens[token.token] = token
    return {"otp_verification_token": token.token, "expires_in": TOKEN_TTL}


def check_token(ledger: Ledger, token: str, beneficiary_id: int, sponsor_slug: str) -> OtpToken:
    """The token, if usable for this beneficiary and sponsor now; 422 otherwise. Not consumed here."""
    record = ledger.otp_tokens.get(token)
    if (
        record is None
        or record.used
        or record.beneficiary_id != beneficiary_id
        or record.sponsor_slug != sponsor_slug
        or ledger.clock.timestamp() >= record.expires_at
    ):
        raise ApiError(
            "MOCK-422-otp-token-invalid",
            errors=[FieldError("otp_verification_token", "is unknown, used, expired or for another beneficiary")],
        )
    return record


def consume_token(record: OtpToken) -> None:
    record.used = True


def matches_code(ledger: Ledger, code: str, beneficiary_id: int, sponsor_slug: str) -> Otp | None:
    """An unexpired, unlocked OTP of this beneficiary and sponsor with this code (an ExternalVerification)."""
    now = ledger.clock.timestamp()
    for otp in reversed(list(ledger.otps.values())):
        if (
            otp.beneficiary_id == beneficiary_id
            and otp.sponsor_slug == sponsor_slug
            and otp.status == "PENDING"
            and now < otp.expires_at
            and otp.code == code
        ):
            return otp
    return None
