"""A tenant's ledger as JSON and back (``GET/POST /__admin/snapshot``).

What a restore needs to carry on where the export left off: the clock, the id generator (so codes
keep coming in the same sequence), pending timers, tokens, provider product registrations, webhook
subscriptions (with their secrets) and deliveries, pre-authorization requests and authorizations with
their codes and benefit usage, queued outcomes, OTPs, verification tokens, challenges, the outbox,
patients and prescriptions. The journal, the event log and the rate-limit windows are left out.

Records are dataclasses: they go out with :func:`dataclasses.asdict` and come back through
:func:`_revive`, which rebuilds nested dataclass lists and tuples from the type hints, so a new field
on a record travels without touching this module.
"""

from __future__ import annotations

import dataclasses
import typing
from functools import cache
from typing import Any, TypeVar

from mock_server.domain.authorizations import Authorization, AuthorizationRequest
from mock_server.domain.ledger import Ledger
from mock_server.domain.oauth import Token
from mock_server.domain.otp import Otp, OtpToken
from mock_server.domain.patients import Patient
from mock_server.domain.prescriptions import Prescription
from mock_server.domain.verification import Challenge
from mock_server.domain.webhooks import Delivery, Subscription

__all__ = ["SNAPSHOT_FORMAT", "SNAPSHOT_VERSION", "from_snapshot", "to_snapshot"]

SNAPSHOT_FORMAT = "osigu-mock-snapshot"
SNAPSHOT_VERSION = 2  # 1 carried no pre-authorization, verification or prescription state; still accepted

T = TypeVar("T")

# snapshot key -> (ledger attribute, record type, the record's key field)
_RECORDS: dict[str, tuple[str, type, str]] = {
    "subscriptions": ("subscriptions", Subscription, "id"),
    "deliveries": ("deliveries", Delivery, "id"),
    "authorization_requests": ("authorization_requests", AuthorizationRequest, "id"),
    "authorizations": ("authorizations", Authorization, "id"),
    "otps": ("otps", Otp, "otp_id"),
    "otp_tokens": ("otp_tokens", OtpToken, "token"),
    "challenges": ("challenges", Challenge, "challenge_id"),
    "patients": ("patients", Patient, "patient_id"),
    "prescriptions": ("prescriptions", Prescription, "id"),
}


def to_snapshot(ledger: Ledger) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "seed": ledger.world.seed,
        "tenant_id": ledger.tenant_id,
        "exported_at": ledger.clock.iso(),
        "clock": {"timestamp": ledger.clock.timestamp(), "frozen": ledger.clock.frozen},
        "ids": ledger.ids.state(),
        "timers": [
            {"id": t.id, "due": t.due, "action": t.action, "payload": t.payload, "description": t.description}
            for t in ledger.clock.pending()
        ],
        "tokens": [dataclasses.asdict(t) for t in ledger.tokens.values()],
        "registrations": {slug: dict(items) for slug, items in ledger.registrations.items()},
    }
    for key, (attribute, _, _) in _RECORDS.items():
        snapshot[key] = [dataclasses.asdict(record) for record in getattr(ledger, attribute).values()]
    snapshot["codes"] = [{"code": code, "code_type": kind, "id": ref} for code, (kind, ref) in ledger.codes.items()]
    snapshot["benefit_usage"] = dict(ledger.benefit_usage)
    snapshot["next_outcomes"] = [{"beneficiary_id": b, "outcome": o} for b, o in ledger.next_outcomes.items()]
    snapshot["outbox"] = list(ledger.outbox)
    return snapshot


def from_snapshot(ledger: Ledger, snapshot: dict[str, Any]) -> Ledger:
    """Fill a fresh ledger from a snapshot already checked against its schema and seed."""
    ledger.clock.set(now=snapshot["clock"]["timestamp"], frozen=snapshot["clock"]["frozen"])
    ledger.ids.restore(snapshot["ids"])
    for timer in snapshot["timers"]:
        if not ledger.has_timer_action(timer["action"]):
            raise KeyError(f"unknown timer action {timer['action']!r}")
        ledger.clock.schedule(
            timer["due"], timer["action"], timer["payload"], description=timer["description"], id=timer["id"]
        )
    for token in snapshot["tokens"]:
        record = _revive(Token, token)
        ledger.tokens[record.jti] = record
    ledger.registrations = {slug: dict(items) for slug, items in snapshot["registrations"].items()}
    for key, (attribute, record_type, key_field) in _RECORDS.items():
        if key not in snapshot:  # a version 1 snapshot: keep what the fresh ledger seeded
            continue
        records = getattr(ledger, attribute)
        records.clear()
        for item in snapshot[key]:
            record = _revive(record_type, item)
            records[getattr(record, key_field)] = record
    ledger.patients_by_document = {(p.document_type, p.document_number): p.patient_id for p in ledger.patients.values()}
    if "codes" in snapshot:
        ledger.codes = {item["code"]: (item["code_type"], item["id"]) for item in snapshot["codes"]}
    ledger.benefit_usage = dict(snapshot.get("benefit_usage", {}))
    ledger.next_outcomes = {item["beneficiary_id"]: item["outcome"] for item in snapshot.get("next_outcomes", [])}
    ledger.outbox.clear()
    ledger.outbox.extend(snapshot.get("outbox", []))
    return ledger


def _revive(record_type: type[T], data: dict[str, Any]) -> T:
    """The dataclass ``record_type`` from its :func:`dataclasses.asdict` form."""
    hints = _hints(record_type)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record_type):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        values[f.name] = _revive_value(hints[f.name], data[f.name])
    return record_type(**values)


def _revive_value(hint: Any, value: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if value is None:
        return None
    if dataclasses.is_dataclass(hint):
        return _revive(hint, value)
    if origin is list and args and dataclasses.is_dataclass(args[0]):
        return [_revive(args[0], item) for item in value]
    if origin is tuple:
        return tuple(value)
    return value


@cache
def _hints(record_type: type) -> dict[str, Any]:
    return typing.get_type_hints(record_type)
