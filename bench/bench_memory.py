"""Resident memory of the mock holding N authorizations and N claims, with its logs at their bounds.

Run from the repository root, with the project's virtualenv active:

    python bench/bench_memory.py                 # 100,000 authorizations and 100,000 claims
    python bench/bench_memory.py --flows 20000   # a quicker look
    python bench/bench_memory.py --json

A benchmark, not a test (pytest never collects it). It runs in one fresh process, as the served mock does:
it builds the app (``create_app``, so every module the server imports is counted), then drives the default
tenant's areas directly (no HTTP: the figure is what the state costs, not what a load generator costs) through
the guide's flow, N times: initiate (one DRUG line, one unit), attach the indication, complete (an
authorization, READY), start a dispensation of its code and complete it (the claim). Every 4,000 flows the
tenant clock moves a month on, firing what is due, since the plan allows 5,000 units a month. The request
journal, the event log and the webhook delivery log are rings; this fills the event log to its bound (every
flow emits events) and the figure includes them. It prints the resident set size (VmRSS) before and after,
and the bytes per flow.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

MONTH = 31 * 24 * 3600
PER_MONTH = 4_000  # under the plan's 5,000 DRUG units a month (contracts/facts: sponsor-sandbox's plan)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def run(flows: int) -> dict[str, object]:
    from mock_server.app import create_app
    from mock_server.domain.authorizations import Authorizations
    from mock_server.domain.dispensing import Dispensing
    from mock_server.domain.tokens import Principal
    from mock_server.settings import Settings

    app = create_app(Settings(frozen_clock=True))
    sandbox = app.state.sandbox
    ledger = sandbox.store.get("default")
    gc.collect()
    before = rss_mb()

    provider = "clinic-example"
    scopes = next(c.scope for c in sandbox.world.demo_clients if c.provider_slug == provider)
    principal = Principal(provider, "bench-memory", frozenset(scopes), "")
    authz, dispensing = ledger.area(Authorizations), ledger.area(Dispensing)
    body = {
        "beneficiary_id": 1000001,
        "sponsor_slug": "sponsor-sandbox",
        "diagnosis_code": "R51",
        "products": [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 1, "posology": "1c/8h"}],
    }
    started_at = time.perf_counter()
    claims = 0
    for index in range(flows):
        if index and index % PER_MONTH == 0:
            ledger.clock.advance(MONTH)
        request, _ = authz.initiate(principal, body, strict=False)
        authz.attach_indication(provider, request.id, "MEDICAL_INDICATION", "indicacion.pdf", b"%PDF-1.4\n%%EOF\n")
        request = authz.complete(provider, request.id, {})
        authorization = authz.authorization_of(provider, request.authorization_ids[0])
        started = dispensing.start(principal, {"code": authorization.code})
        invoice = {
            "amount": dispensing.view(started)["amount"],
            "document_number": f"FAC-{started.dispensation_id}",
            "document_date": ledger.clock.iso(),
        }
        done = dispensing.complete(provider, started.dispensation_id, invoice)
        claims += done.claim_id is not None
    seconds = time.perf_counter() - started_at
    gc.collect()
    after = rss_mb()
    bounds = {
        "journal": ledger.config.journal_size,
        "event_log": ledger.config.event_log_size,
        "delivery_log": ledger.config.delivery_log_size,
    }
    return {
        "flows": flows,
        "authorizations": flows,
        "claims": claims,
        "events_held": len(ledger.events),
        "bounds": bounds,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "bytes_per_flow": round((after - before) * 1024 * 1024 / flows) if flows else 0,
        "seconds": round(seconds, 1),
        "target_mb": 200,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.flows)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{figures['authorizations']:,} authorizations, {figures['claims']:,} claims: resident "
            f"{figures['rss_after_mb']} MB (idle app {figures['rss_before_mb']} MB, "
            f"{figures['bytes_per_flow']} bytes a flow; target <= {figures['target_mb']} MB); "
            f"bounds {figures['bounds']}; built in {figures['seconds']} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
