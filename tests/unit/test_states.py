"""State machines as one table: legal moves pass, illegal ones raise, and the tables the areas declare
say what their docstrings and the contract say."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from mock_server.core.states import IllegalTransition, StateMachine
from mock_server.domain.authorizations.records import AUTHORIZATION_STATES, REQUEST_STATES
from mock_server.domain.claims import CLAIM_STATES, MONITOR_STATES
from mock_server.domain.dispensing import DISPENSATION_STATES
from mock_server.domain.prescriptions.records import ITEM_STATES, PRESCRIPTION_STATES
from mock_server.domain.settlements import SETTLEMENT_STATES
from mock_server.domain.verification import CHALLENGE_STATES, OTP_STATES
from mock_server.domain.webhooks import DELIVERY_STATES


class Light(StrEnum):
    RED = "RED"
    GREEN = "GREEN"
    BROKEN = "BROKEN"


LIGHTS = StateMachine("light", Light, {Light.RED: {Light.GREEN}, Light.GREEN: {Light.RED}})


@dataclass
class Lamp:
    status: Light


def test_a_legal_move_sets_the_status_as_an_enum_member():
    lamp = Lamp("RED")  # a plain string, as a restored record may hold
    LIGHTS.move(lamp, Light.GREEN)
    assert lamp.status is Light.GREEN


def test_an_illegal_move_raises_and_changes_nothing():
    lamp = Lamp(Light.RED)
    with pytest.raises(IllegalTransition, match="RED -> BROKEN"):
        LIGHTS.move(lamp, Light.BROKEN)
    assert lamp.status is Light.RED


def test_a_state_without_transitions_is_terminal_and_unreachable_states_are_known():
    assert LIGHTS.terminal(Light.BROKEN) and not LIGHTS.terminal(Light.RED)
    assert LIGHTS.reachable() == {Light.RED, Light.GREEN}
    assert LIGHTS.states == ("RED", "GREEN", "BROKEN")


def test_transitions_from_a_state_of_another_enum_are_refused():
    class Other(StrEnum):
        X = "X"

    with pytest.raises(ValueError):
        StateMachine("bad", Light, {Other.X: {Light.RED}})


# The legal moves of each area's machine, written out from the areas' documentation
# (mock_server/domain/*/records.py docstrings and contracts/schemas).
LEGAL = [
    (REQUEST_STATES, "PENDING_INDICATION", "PENDING_SPONSOR"),
    (REQUEST_STATES, "PENDING_INDICATION", "APPROVED"),
    (REQUEST_STATES, "PENDING_SPONSOR", "PARTIALLY_APPROVED"),
    (AUTHORIZATION_STATES, "PENDING_REVIEW", "READY"),
    (AUTHORIZATION_STATES, "PENDING_REVIEW", "VOIDED"),
    (AUTHORIZATION_STATES, "READY", "PARTIALLY_CLAIMED"),
    (AUTHORIZATION_STATES, "PARTIALLY_CLAIMED", "CLAIMED"),
    (AUTHORIZATION_STATES, "CLAIMED", "PAID"),
    (AUTHORIZATION_STATES, "CLAIMED", "PARTIALLY_CLAIMED"),  # a voided claim gives its units back
    (DISPENSATION_STATES, "STARTED", "COMPLETED"),
    (DISPENSATION_STATES, "STARTED", "CANCELLED"),
    (CLAIM_STATES, "IN_PROGRESS", "READY"),
    (CLAIM_STATES, "COMPLETED", "PAID"),
    (MONITOR_STATES, "IN_PROGRESS", "ERROR"),
    (PRESCRIPTION_STATES, "ISSUED", "VOIDED"),
    (PRESCRIPTION_STATES, "PARTIALLY_DISPENSED", "DISPENSED"),
    (ITEM_STATES, "DISPENSABLE", "LOCKED"),
    (ITEM_STATES, "LOCKED", "DISPENSABLE"),
    (ITEM_STATES, "LOCKED", "PARTIALLY_SUBSTITUTED"),
    (OTP_STATES, "PENDING", "LOCKED"),
    (CHALLENGE_STATES, "PENDING", "NO_MATCH"),
    (DELIVERY_STATES, "ABANDONED", "PENDING"),
    (SETTLEMENT_STATES, "OPEN", "SUBMITTED"),
    (SETTLEMENT_STATES, "SUBMITTED", "ACCEPTED"),
    (SETTLEMENT_STATES, "SUBMITTED", "REJECTED"),
    (SETTLEMENT_STATES, "SUBMITTED", "PARTIALLY_ACCEPTED"),
]
ILLEGAL = [
    (REQUEST_STATES, "APPROVED", "REJECTED"),
    (REQUEST_STATES, "PENDING_SPONSOR", "PENDING_INDICATION"),
    (AUTHORIZATION_STATES, "CLAIMED", "VOIDED"),
    (AUTHORIZATION_STATES, "PARTIALLY_CLAIMED", "VOIDED"),
    (AUTHORIZATION_STATES, "VOIDED", "READY"),
    (AUTHORIZATION_STATES, "PAID", "CLAIMED"),
    (AUTHORIZATION_STATES, "READY", "CREATED"),
    (DISPENSATION_STATES, "COMPLETED", "CANCELLED"),
    (DISPENSATION_STATES, "CANCELLED", "STARTED"),
    (CLAIM_STATES, "VOIDED", "READY"),
    (CLAIM_STATES, "IN_PROGRESS", "COMPLETED"),
    (CLAIM_STATES, "PAID", "VOIDED"),
    (MONITOR_STATES, "PENDING", "COMPLETED"),
    (MONITOR_STATES, "ERROR", "COMPLETED"),
    (PRESCRIPTION_STATES, "PARTIALLY_DISPENSED", "VOIDED"),
    (PRESCRIPTION_STATES, "VOIDED", "ISSUED"),
    (ITEM_STATES, "DISPENSED", "LOCKED"),
    (ITEM_STATES, "EXPIRED", "DISPENSABLE"),
    (ITEM_STATES, "DISPENSABLE", "DISPENSED"),
    (OTP_STATES, "LOCKED", "VALIDATED"),
    (CHALLENGE_STATES, "MATCH", "NO_MATCH"),
    (DELIVERY_STATES, "DELIVERED", "ABANDONED"),
    (SETTLEMENT_STATES, "OPEN", "ACCEPTED"),  # the sponsor decides only what was submitted
    (SETTLEMENT_STATES, "SUBMITTED", "OPEN"),
    (SETTLEMENT_STATES, "ACCEPTED", "REJECTED"),
    (SETTLEMENT_STATES, "REJECTED", "SUBMITTED"),
    (SETTLEMENT_STATES, "PARTIALLY_ACCEPTED", "ACCEPTED"),
]


@pytest.mark.parametrize(("machine", "current", "target"), LEGAL, ids=lambda v: getattr(v, "name", v))
def test_documented_moves_are_legal(machine, current, target):
    assert machine.allows(current, target)


@pytest.mark.parametrize(("machine", "current", "target"), ILLEGAL, ids=lambda v: getattr(v, "name", v))
def test_undocumented_moves_are_illegal(machine, current, target):
    assert not machine.allows(current, target)


def test_osigus_statuses_the_mock_never_reaches_have_no_transitions():
    for status in ("CREATED", "ERROR", "REQUEST_IN_PROGRESS"):
        assert status not in AUTHORIZATION_STATES.reachable()
    for status in ("PENDING_VISA", "VISA_REJECTED", "MASTER_FORMULA_ON_GOING", "SUSPENDED"):
        assert status not in ITEM_STATES.reachable()
    for status in ("UPDATE_IN_PROGRESS", "EXPIRATION_IN_PROGRESS", "EXPIRED", "CANCELED", "ERROR", "FAILED"):
        assert status not in CLAIM_STATES.reachable()


def test_a_move_named_by_its_wire_value_lands_on_the_enum_member():
    lamp = Lamp(Light.RED)
    LIGHTS.move(lamp, "GREEN")
    assert lamp.status is Light.GREEN


def table(machine) -> dict[str, list[str]]:
    return {str(s): sorted(map(str, targets)) for s, targets in machine.transitions.items() if targets}


# Each machine's whole table, written out from the lifecycles the areas document (nothing more may move).
TABLES = {
    "authorization request": (
        REQUEST_STATES,
        {
            "PENDING_INDICATION": ["APPROVED", "PARTIALLY_APPROVED", "PENDING_SPONSOR", "REJECTED"],
            "PENDING_SPONSOR": ["APPROVED", "PARTIALLY_APPROVED", "REJECTED"],
        },
    ),
    "authorization": (
        AUTHORIZATION_STATES,
        {
            "PENDING_REVIEW": ["READY", "VOIDED"],
            "READY": ["CLAIMED", "PARTIALLY_CLAIMED", "VOIDED"],
            "PARTIALLY_CLAIMED": ["CLAIMED", "PARTIALLY_CLAIMED", "READY"],
            "CLAIMED": ["PAID", "PARTIALLY_CLAIMED", "READY"],
        },
    ),
    "dispensation": (DISPENSATION_STATES, {"STARTED": ["CANCELLED", "COMPLETED"]}),
    "claim": (
        CLAIM_STATES,
        {"IN_PROGRESS": ["READY"], "READY": ["COMPLETED", "VOIDED"], "COMPLETED": ["PAID", "VOIDED"]},
    ),
    "settlement batch": (
        SETTLEMENT_STATES,
        {"OPEN": ["SUBMITTED"], "SUBMITTED": ["ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED"]},
    ),
    "claim monitor": (MONITOR_STATES, {"PENDING": ["IN_PROGRESS"], "IN_PROGRESS": ["COMPLETED", "ERROR"]}),
    "prescription": (
        PRESCRIPTION_STATES,
        {
            "ISSUED": ["DISPENSED", "EXPIRED", "PARTIALLY_DISPENSED", "VOIDED"],
            "PARTIALLY_DISPENSED": ["DISPENSED", "EXPIRED"],
        },
    ),
    "prescription item": (
        ITEM_STATES,
        {
            "DISPENSABLE": ["EXPIRED", "LOCKED"],
            "PARTIALLY_DISPENSED": ["EXPIRED", "LOCKED"],
            "PARTIALLY_SUBSTITUTED": ["EXPIRED", "LOCKED"],
            "LOCKED": ["DISPENSABLE", "DISPENSED", "PARTIALLY_DISPENSED", "PARTIALLY_SUBSTITUTED", "SUBSTITUTED"],
        },
    ),
    "OTP": (OTP_STATES, {"PENDING": ["LOCKED", "VALIDATED"]}),
    "challenge": (CHALLENGE_STATES, {"PENDING": ["MATCH", "NO_MATCH"]}),
    "delivery": (
        DELIVERY_STATES,
        {
            "PENDING": ["ABANDONED", "CANCELLED", "DELIVERED", "RETRYING"],
            "RETRYING": ["ABANDONED", "CANCELLED", "DELIVERED", "PENDING", "RETRYING"],
            "DELIVERED": ["PENDING"],
            "ABANDONED": ["PENDING"],
            "CANCELLED": ["PENDING"],
        },
    ),
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_each_machine_allows_exactly_its_documented_moves(name):
    machine, expected = TABLES[name]
    assert table(machine) == expected
