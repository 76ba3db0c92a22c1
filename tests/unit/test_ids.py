from __future__ import annotations

import uuid

from mock_server.core.ids import AUTHORIZATION_CODE, PRESCRIPTION_CODE, IdGenerator, code_kind


def test_resource_ids_are_sequential_per_kind():
    ids = IdGenerator(1)
    assert [ids.next_id("authorization"), ids.next_id("authorization")] == [10001, 10002]
    assert ids.next_id("claim") == 10001


def test_authorization_codes_are_nine_characters_starting_with_a_letter():
    ids = IdGenerator(1)
    codes = [ids.authorization_code() for _ in range(500)]
    assert all(AUTHORIZATION_CODE.match(code) for code in codes)
    assert len(set(codes)) == 500


def test_prescription_codes_are_twelve_digits():
    ids = IdGenerator(1)
    codes = [ids.prescription_code() for _ in range(500)]
    assert all(PRESCRIPTION_CODE.match(code) for code in codes)
    assert len(set(codes)) == 500


def test_code_kind_tells_authorizations_from_prescriptions():
    ids = IdGenerator(7)
    assert code_kind(ids.authorization_code()) == "AUTHORIZATION"
    assert code_kind(ids.prescription_code()) == "PRESCRIPTION"
    assert code_kind("JG2SJYAP5") == "AUTHORIZATION"
    assert code_kind("1JG2SJYAP") is None
    assert code_kind("12345") is None


def test_reserved_codes_are_never_issued_again():
    ids = IdGenerator(3)
    first = IdGenerator(3).authorization_code()
    ids.reserve_code(first)
    assert ids.authorization_code() != first


def test_the_same_seed_gives_the_same_sequence_and_another_seed_does_not():
    a, b, c = IdGenerator("s"), IdGenerator("s"), IdGenerator("t")
    seq = lambda g: [g.authorization_code(), g.prescription_code(), g.uuid(), g.opaque("evt")]  # noqa: E731
    assert seq(a) == seq(b)
    assert seq(a) != seq(c)


def test_uuids_are_version_4_and_opaque_ids_carry_their_prefix():
    ids = IdGenerator(0)
    assert uuid.UUID(ids.uuid()).version == 4
    opaque = ids.opaque("evt")
    assert opaque.startswith("evt_") and len(opaque) == 30


def test_state_round_trip_continues_the_same_sequence():
    ids = IdGenerator(9)
    ids.next_id("x")
    ids.authorization_code()
    restored = IdGenerator(0)
    restored.restore(ids.state())
    assert restored.next_id("x") == ids.next_id("x")
    assert restored.authorization_code() == ids.authorization_code()
