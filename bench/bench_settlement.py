"""How settling scales with the claims a tenant holds: the domain operations alone, no HTTP.

Run from the repository root, with the project's virtualenv active:

    python bench/bench_settlement.py                  # 1,000 and 10,000 claims, best of 5 rounds
    python bench/bench_settlement.py --claims 2000 --rounds 9

A benchmark, not a test (pytest never collects it). For each size it fills one tenant with that many
completed claims of sponsor-sandbox-do (one LABORATORY authorization each, claimed by the Dominican
pharmacy), then prints microseconds for: the pending list of a batch (every claim is a candidate),
attaching one authorization to an open batch, and a batch's whole life (start, attach, complete, the
sponsor's decision) for one claim.
"""

from __future__ import annotations

import argparse
import time

from mock_server.core.errors import ApiError
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.claims import Claims
from mock_server.domain.settlements import Settlements
from mock_server.domain.tokens import Principal
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings

CLINIC = Principal("clinic-example", "demo-clinic", frozenset({"arc:read", "arc:write"}), "default")
PHARMACY = "farmacia-santo-domingo"
SPONSOR = "sponsor-sandbox-do"
BODY = {
    "sponsor_slug": SPONSOR,
    "diagnoses": [{"coding_system": "ICD-10", "code": "R51", "type_enum": "CHIEF_COMPLAINT"}],
    "products": [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}],
    "doctor_medical_license_number": "MP-12345",
    "doctor_country_code": "DO",
    "doctor_name": "Dr. Juan Peña",
}


def members(ledger) -> list[int]:
    """sponsor-sandbox-do's covered ARS-PLUS members without a persona's behaviour: 1,000 LABORATORY units a
    month each (no verification for LABORATORY), taken in turn so no benefit limit is reached."""
    return [
        b.beneficiary_id
        for b in ledger.world.beneficiaries.values()
        if b.sponsor_slug == SPONSOR and b.plan_code == "ARS-PLUS" and b.persona is None and b.coverage_active
    ]


def claimed(ledger, members: list[int], counter: list[int]) -> int:
    """One completed claim of the Dominican pharmacy; its authorization's id. A member whose request is not
    approved (a lapsed coverage) leaves the pool."""
    authz = ledger.area(Authorizations)
    while True:
        counter[0] += 1
        member = members[counter[0] % len(members)]
        try:
            request, _ = authz.initiate(CLINIC, {**BODY, "beneficiary_id": member}, strict=False)
            granted = authz.complete(CLINIC.provider_slug, request.id, {}).authorization_ids
        except ApiError:
            granted = []
        if granted:
            break
        members.remove(member)
    authorization = authz.authorizations[granted[0]]
    line = authorization.lines[0].id
    claim = {"products": [{"authorization_product_id": line, "price": 575.0, "quantity": 1}]}
    ledger.area(Claims).file_for_authorization(PHARMACY, authorization.id, claim)
    return authorization.id


def best(rounds: int, action) -> float:
    fastest = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest * 1e6


def measure(size: int, rounds: int) -> tuple[float, float, float]:
    ledger = Sandbox(Settings(frozen_clock=True)).ledger()
    area = ledger.area(Settlements)
    period = ledger.clock.iso()[:7]
    pool, counter = members(ledger), [0]
    for _ in range(size):
        claimed(ledger, pool, counter)
    batch = area.start(PHARMACY, SPONSOR, period)
    pending = best(rounds, lambda: area.pending(PHARMACY, batch.id))

    spare = [claimed(ledger, pool, counter) for _ in range(rounds)]

    def attach_one() -> None:
        area.attach(PHARMACY, area.start(PHARMACY, SPONSOR, period).id, [spare.pop()])

    attach = best(rounds, attach_one)
    lives = [claimed(ledger, pool, counter) for _ in range(rounds)]

    def one_life() -> None:
        fresh = area.start(PHARMACY, SPONSOR, period)
        area.attach(PHARMACY, fresh.id, [lives.pop()])
        invoice = {"invoice_number": "B01", "invoice_date": "2026-11-30T10:00:00Z", "invoice_amount": area.total(fresh)}
        area.complete(PHARMACY, fresh.id, invoice)
        area.decide(fresh.id, "ACCEPTED")

    life = best(rounds, one_life)
    return pending, attach, life


def main(args: argparse.Namespace) -> None:
    print(f"settlement batches in process (best of {args.rounds} rounds)")
    print(f"  {'claims':>8}  {'pending list':>14}  {'attach one':>12}  {'start..paid':>12}")
    for size in args.claims:
        pending, attach, life = measure(size, args.rounds)
        print(f"  {size:>8,}  {pending:>11,.0f} us  {attach:>9,.0f} us  {life:>9,.0f} us")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[1_000, 10_000], help="claims in the tenant")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per figure; the best counts (default 5)")
    main(parser.parse_args())
