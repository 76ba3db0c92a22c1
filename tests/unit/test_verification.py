"""OTPs, verification tokens, challenges and biometric readings without HTTP (the Verification area).

Expected values come from README.md ("Pre-authorizations": OTP valid 300 s, third wrong code locks,
personas always get 123456; biometric readings under 1,024 bytes refused, ``NO_MATCH`` bytes do not
match), fixtures/world/personas.yaml (phones, e-mails) and contracts/errors.yaml (codes).
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from mock_server.core.errors import ApiError
from mock_server.domain.outbox import Outbox
from mock_server.domain.verification import Verification
from tests.support.flows import APPROVED_DO, BIOMETRIC_GT, MARIA, OTP_DO
from tests.support.state import code_of

DO = "sponsor-sandbox-do"
PERSONA_CODE = "123456"  # personas.yaml: otp_code
OTP_DO_PHONE = "+1 809 555 0161"  # personas.yaml: otp-do
OTP_DO_EMAIL = "rosa.peralta@example.com"
OTP_TTL, TOKEN_TTL = 300, 900
REQUEST, OTHER_REQUEST = 10001, 10002


@pytest.fixture
def verification(ledger) -> Verification:
    return ledger.area(Verification)


def raised(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def paths(error: ApiError) -> list[str]:
    return [e.path for e in error.errors]


def generated_beneficiary(ledger):
    """A generated (non-persona) holder of sponsor-sandbox-do."""
    return next(
        b
        for b in ledger.world.beneficiaries.values()
        if b.persona is None and b.sponsor_slug == DO and b.relationship == "HOLDER"
    )


def validated_token(verification, beneficiary_id=OTP_DO, sponsor=DO) -> str:
    otp = verification.generate(beneficiary_id, sponsor, "SMS")
    return verification.validate(otp["otp_id"], PERSONA_CODE)["otp_verification_token"]


def reading(size: int, marker: bytes = b"") -> str:
    return base64.b64encode(marker + b"\x5a" * (size - len(marker))).decode()


# -- generate -------------------------------------------------------------------------------------
def test_a_persona_gets_123456_by_sms_in_the_outbox_addressed_to_its_phone(ledger, verification):
    otp = verification.generate(OTP_DO, DO, "SMS")
    [message] = ledger.area(Outbox).items(kind="OTP")
    assert message["to"] == OTP_DO_PHONE
    assert message["code"] == PERSONA_CODE and PERSONA_CODE in message["body"]
    assert message["otp_id"] == otp["otp_id"] and message["beneficiary_id"] == OTP_DO
    assert otp["channel"] == "SMS" and otp["expires_in"] == OTP_TTL


def test_an_email_otp_is_addressed_to_the_beneficiarys_email(ledger, verification):
    otp = verification.generate(OTP_DO, DO, "EMAIL")
    [message] = ledger.area(Outbox).items(kind="OTP")
    assert message["to"] == OTP_DO_EMAIL and message["code"] == PERSONA_CODE
    assert message["otp_id"] == otp["otp_id"] and otp["channel"] == "EMAIL"


def test_the_destination_is_masked_hiding_all_but_the_last_phone_digits_or_the_email_domain(verification):
    sms = verification.generate(OTP_DO, DO, "SMS")["masked_destination"]
    email = verification.generate(OTP_DO, DO, "EMAIL")["masked_destination"]
    assert "809" not in sms and "0161" not in sms and sms.endswith("61") and "*" in sms
    assert "rosa.peralta" not in email and email.endswith("@example.com") and "*" in email


def test_a_generated_beneficiary_gets_a_six_digit_code_sent_to_its_phone(ledger, verification):
    beneficiary = generated_beneficiary(ledger)
    otp = verification.generate(beneficiary.beneficiary_id, DO, "SMS")
    [message] = ledger.area(Outbox).items(kind="OTP", to=beneficiary.phone)
    assert re.fullmatch(r"[0-9]{6}", message["code"])
    assert message["code"] != "123456"  # the personas' code is theirs alone (the seed fixes this draw)
    assert message["otp_id"] == otp["otp_id"] and message["beneficiary_id"] == beneficiary.beneficiary_id


def test_generate_schedules_an_otp_expire_timer_300_seconds_ahead(ledger, verification):
    now = ledger.clock.timestamp()
    otp = verification.generate(OTP_DO, DO, "SMS")
    [timer] = [t for t in ledger.clock.pending() if t.action == "otp.expire"]
    assert timer.due == now + OTP_TTL and timer.payload == {"otp_id": otp["otp_id"]}


def test_an_unknown_sponsor_is_422_on_sponsor_slug(ledger, verification):
    error = raised(lambda: verification.generate(OTP_DO, "no-such-sponsor", "SMS"))
    assert (error.code, error.status, paths(error)) == ("MOCK-422-validation-failed", 422, ["sponsor_slug"])
    assert ledger.area(Outbox).items() == []


@pytest.mark.parametrize("beneficiary_id", [MARIA, 99999999], ids=["another-sponsors", "unknown"])
def test_a_beneficiary_not_of_the_sponsor_is_422_on_beneficiary_id(ledger, verification, beneficiary_id):
    error = raised(lambda: verification.generate(beneficiary_id, DO, "SMS"))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["beneficiary_id"])
    assert ledger.area(Outbox).items() == []
    assert not [t for t in ledger.clock.pending() if t.action == "otp.expire"]


# -- validate -------------------------------------------------------------------------------------
def test_the_right_code_gives_a_verification_token_valid_900_seconds(verification):
    otp = verification.generate(OTP_DO, DO, "SMS")
    result = verification.validate(otp["otp_id"], PERSONA_CODE)
    assert result["otp_verification_token"].startswith("otv_")
    assert result["expires_in"] == TOKEN_TTL


def test_a_wrong_code_says_how_many_attempts_are_left(verification):
    otp_id = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    first = raised(lambda: verification.validate(otp_id, "000000"))
    assert (first.code, paths(first)) == ("MOCK-422-otp-invalid", ["code"])
    assert "2 attempt" in first.message
    second = raised(lambda: verification.validate(otp_id, "000000"))
    assert second.code == "MOCK-422-otp-invalid" and "1 attempt" in second.message


def test_two_wrong_codes_still_leave_the_right_one_usable(verification):
    otp_id = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    for _ in range(2):
        code_of(lambda: verification.validate(otp_id, "000000"))
    assert verification.validate(otp_id, PERSONA_CODE)["otp_verification_token"].startswith("otv_")


def test_the_third_wrong_code_locks_and_then_even_the_right_code_is_refused(verification):
    otp_id = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    assert [code_of(lambda: verification.validate(otp_id, "000000")) for _ in range(3)] == [
        "MOCK-422-otp-invalid",
        "MOCK-422-otp-invalid",
        "MOCK-422-otp-locked",
    ]
    assert code_of(lambda: verification.validate(otp_id, PERSONA_CODE)) == "MOCK-422-otp-locked"


def test_an_otp_is_valid_until_300_seconds_and_expired_from_then(ledger, verification):
    early = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    late = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    ledger.clock.advance(OTP_TTL - 1)
    assert verification.validate(early, PERSONA_CODE)["expires_in"] == TOKEN_TTL
    ledger.clock.advance(1)
    assert code_of(lambda: verification.validate(late, PERSONA_CODE)) == "MOCK-422-otp-expired"


def test_an_otp_validates_only_once(verification):
    otp_id = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    verification.validate(otp_id, PERSONA_CODE)
    assert code_of(lambda: verification.validate(otp_id, PERSONA_CODE)) == "MOCK-422-otp-invalid"


def test_an_unknown_otp_id_is_404(verification):
    error = raised(lambda: verification.validate("otp_NOPE", PERSONA_CODE))
    assert (error.code, error.status) == ("MOCK-404-otp-not-found", 404)


# -- verification tokens --------------------------------------------------------------------------
def test_a_token_is_usable_for_its_beneficiary_and_sponsor(verification):
    token = validated_token(verification)
    record = verification.check_token(token, OTP_DO, DO)
    assert (record.beneficiary_id, record.sponsor_slug, record.used) == (OTP_DO, DO, False)


@pytest.mark.parametrize(
    ("beneficiary_id", "sponsor"),
    [(APPROVED_DO, DO), (OTP_DO, "sponsor-sandbox")],
    ids=["another-beneficiary", "another-sponsor"],
)
def test_a_token_is_refused_for_another_beneficiary_or_sponsor(verification, beneficiary_id, sponsor):
    token = validated_token(verification)
    error = raised(lambda: verification.check_token(token, beneficiary_id, sponsor))
    assert (error.code, paths(error)) == ("MOCK-422-otp-token-invalid", ["otp_verification_token"])


def test_a_consumed_token_is_refused(verification):
    token = validated_token(verification)
    verification.consume_token(verification.check_token(token, OTP_DO, DO))
    assert code_of(lambda: verification.check_token(token, OTP_DO, DO)) == "MOCK-422-otp-token-invalid"


def test_checking_a_token_does_not_consume_it(verification):
    token = validated_token(verification)
    verification.check_token(token, OTP_DO, DO)
    assert verification.check_token(token, OTP_DO, DO).used is False


def test_a_token_expires_900_seconds_after_validation(ledger, verification):
    token = validated_token(verification)
    ledger.clock.advance(TOKEN_TTL - 1)
    verification.check_token(token, OTP_DO, DO)
    ledger.clock.advance(1)
    assert code_of(lambda: verification.check_token(token, OTP_DO, DO)) == "MOCK-422-otp-token-invalid"


def test_an_unknown_token_is_refused(verification):
    assert code_of(lambda: verification.check_token("otv_unknown", OTP_DO, DO)) == "MOCK-422-otp-token-invalid"


# -- matches_code ---------------------------------------------------------------------------------
def test_matches_code_finds_the_pending_otp_of_that_beneficiary_and_sponsor(verification):
    otp_id = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    found = verification.matches_code(PERSONA_CODE, OTP_DO, DO)
    assert found is not None and found.otp_id == otp_id
    assert verification.matches_code("000000", OTP_DO, DO) is None
    assert verification.matches_code(PERSONA_CODE, APPROVED_DO, DO) is None
    assert verification.matches_code(PERSONA_CODE, OTP_DO, "sponsor-sandbox") is None


def test_matches_code_ignores_expired_validated_and_locked_otps(ledger, verification):
    verification.generate(OTP_DO, DO, "SMS")
    ledger.clock.advance(OTP_TTL)
    assert verification.matches_code(PERSONA_CODE, OTP_DO, DO) is None
    validated = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    verification.validate(validated, PERSONA_CODE)
    assert verification.matches_code(PERSONA_CODE, OTP_DO, DO) is None
    locked = verification.generate(OTP_DO, DO, "SMS")["otp_id"]
    for _ in range(3):
        code_of(lambda: verification.validate(locked, "000000"))
    assert verification.matches_code(PERSONA_CODE, OTP_DO, DO) is None


# -- challenges -----------------------------------------------------------------------------------
def test_the_same_request_and_kind_reuse_the_pending_challenge(verification):
    first = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    assert verification.open_challenge("OTP", REQUEST, OTP_DO, DO) is first
    assert first.status == "PENDING" and first.decided_at is None


def test_another_kind_or_another_request_opens_a_new_challenge(verification):
    otp = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    biometric = verification.open_challenge("BIOMETRIC", REQUEST, OTP_DO, DO)
    other = verification.open_challenge("OTP", OTHER_REQUEST, OTP_DO, DO)
    assert len({otp.challenge_id, biometric.challenge_id, other.challenge_id}) == 3
    assert biometric.kind == "BIOMETRIC"


def test_a_decided_challenge_is_not_reused(verification):
    first = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    verification.decide(first.challenge_id, "NO_MATCH")
    second = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    assert second.challenge_id != first.challenge_id and second.status == "PENDING"


@pytest.mark.parametrize("outcome", ["MATCH", "NO_MATCH"])
def test_deciding_a_challenge_records_the_outcome_and_when(ledger, verification, outcome):
    challenge = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    ledger.clock.advance(42)
    decided = verification.decide(challenge.challenge_id, outcome)
    assert decided.status == outcome and decided.decided_at == ledger.clock.timestamp()


def test_deciding_twice_is_409_and_keeps_the_first_outcome(verification):
    challenge = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    verification.decide(challenge.challenge_id, "MATCH")
    error = raised(lambda: verification.decide(challenge.challenge_id, "NO_MATCH"))
    assert (error.code, error.status) == ("MOCK-409-challenge-decided", 409)
    assert challenge.status == "MATCH"


def test_deciding_an_unknown_challenge_is_404(verification):
    error = raised(lambda: verification.decide("00000000-0000-4000-8000-000000000000", "MATCH"))
    assert (error.code, error.status) == ("MOCK-404-challenge-not-found", 404)


@pytest.mark.parametrize("outcome", ["MAYBE", "PENDING", "match"])
def test_an_outcome_other_than_match_or_no_match_is_422_on_outcome(verification, outcome):
    challenge = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    error = raised(lambda: verification.decide(challenge.challenge_id, outcome))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["outcome"])
    assert challenge.status == "PENDING"


# -- proofs ---------------------------------------------------------------------------------------
def test_a_request_with_nothing_proven_has_an_empty_proof(verification):
    proof = verification.proof_of(REQUEST)
    assert (proof.otp_verified, proof.biometric_result) == (False, None)


def test_an_otp_challenge_decided_match_proves_the_otp_for_its_request_only(verification):
    challenge = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    verification.decide(challenge.challenge_id, "MATCH")
    assert verification.proof_of(REQUEST).otp_verified is True
    assert verification.proof_of(OTHER_REQUEST).otp_verified is False


def test_an_otp_challenge_decided_no_match_proves_nothing(verification):
    challenge = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    verification.decide(challenge.challenge_id, "NO_MATCH")
    assert verification.proof_of(REQUEST).otp_verified is False


def test_the_latest_biometric_result_wins(verification):
    challenge = verification.open_challenge("BIOMETRIC", REQUEST, BIOMETRIC_GT, "demo-insurer")
    verification.decide(challenge.challenge_id, "MATCH")
    assert verification.proof_of(REQUEST).biometric_result == "MATCH"
    verification.read_biometric(REQUEST, "FINGERPRINT", reading(2048, b"NO_MATCH"))
    assert verification.proof_of(REQUEST).biometric_result == "NO_MATCH"
    verification.read_biometric(REQUEST, "FINGERPRINT", reading(2048))
    assert verification.proof_of(REQUEST).biometric_result == "MATCH"


# -- biometric readings ---------------------------------------------------------------------------
def test_a_reading_that_is_not_base64_is_422_on_reading_base64(verification):
    error = raised(lambda: verification.read_biometric(REQUEST, "FINGERPRINT", "not base64 at all!"))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["reading_base64"])
    assert verification.proof_of(REQUEST).biometric_result is None


def test_a_reading_with_a_character_outside_base64_is_refused_not_skipped(verification):
    # a lenient decoder would drop the "*" and read 2,800 good bytes
    error = raised(lambda: verification.read_biometric(REQUEST, "FINGERPRINT", "AQ" * 1400 + "*"))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["reading_base64"])


def test_a_proven_otp_stays_proven_after_a_later_no_match(verification):
    verification.record_otp(REQUEST)
    challenge = verification.open_challenge("OTP", REQUEST, OTP_DO, DO)
    verification.decide(challenge.challenge_id, "NO_MATCH")
    assert verification.proof_of(REQUEST).otp_verified is True


def test_a_reading_under_1024_bytes_is_low_quality(verification):
    error = raised(lambda: verification.read_biometric(REQUEST, "FINGERPRINT", reading(1023)))
    assert (error.code, error.status, paths(error)) == ("MOCK-422-biometric-low-quality", 422, ["reading_base64"])
    assert verification.proof_of(REQUEST).biometric_result is None


def test_a_reading_of_1024_bytes_matches(verification):
    encoded = reading(1024)
    result = verification.read_biometric(REQUEST, "FINGERPRINT", encoded)
    assert result["result"] == "MATCH" and result["authorization_request_id"] == REQUEST
    assert result["type"] == "FINGERPRINT"
    assert result["sha256"] == hashlib.sha256(base64.b64decode(encoded)).hexdigest()


def test_a_reading_containing_no_match_does_not_match(verification):
    encoded = base64.b64encode(b"\x00" * 600 + b"NO_MATCH" + b"\x00" * 600).decode()
    assert verification.read_biometric(REQUEST, "FINGERPRINT", encoded)["result"] == "NO_MATCH"
    assert verification.proof_of(REQUEST).biometric_result == "NO_MATCH"


@pytest.mark.parametrize(("marker", "result"), [(b"", "MATCH"), (b"NO_MATCH", "NO_MATCH")])
def test_a_reading_settles_the_requests_pending_biometric_challenge_only(ledger, verification, marker, result):
    biometric = verification.open_challenge("BIOMETRIC", REQUEST, BIOMETRIC_GT, "demo-insurer")
    otp = verification.open_challenge("OTP", REQUEST, BIOMETRIC_GT, "demo-insurer")
    elsewhere = verification.open_challenge("BIOMETRIC", OTHER_REQUEST, BIOMETRIC_GT, "demo-insurer")
    verification.read_biometric(REQUEST, "FINGERPRINT", reading(1024, marker))
    assert biometric.status == result and biometric.decided_at == ledger.clock.timestamp()
    assert otp.status == "PENDING" and elsewhere.status == "PENDING"
    assert code_of(lambda: verification.decide(biometric.challenge_id, "MATCH")) == "MOCK-409-challenge-decided"
