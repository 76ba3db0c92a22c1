"""Benchmark the redemption flow on the served mock: a pharmacy's start + complete (which generates the
claim), as requests per second beside a bare Starlette route measured in the same run.

Run from the repository root, with the project's virtualenv active:

    python bench/bench_redemption.py                # human-readable report
    python bench/bench_redemption.py --json         # the same figures as JSON
    python bench/bench_redemption.py --seconds 10 --connections 32

This is a benchmark, not a test (pytest never collects it): it prints figures and exits 0 unless something
failed outright or a redemption answered anything but 201 then 200. It takes about 30 s with the defaults.

How: the mock and the bare app are served by uvicorn in subprocesses, as in ``bench_world.py``. Every
connection redeems its own authorization, in a tenant of its own (``POST /__admin/tenants``): MARIA
GONZALEZ's 5,000 units of MED-042, the plan's monthly DRUG limit, so one connection's dispensation never
waits for another's hold on the same code. Each loop is ``POST /dispensing/v1/dispensations`` (one unit of
the line) then ``POST .../complete`` with the amount the start priced: two requests, one claim. The figure
is requests per second over both; the bare app answers ``GET /hello`` with a tiny JSON body.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import http.client
import json
import os
import platform
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_world as world  # noqa: E402 (the shared helpers: servers, ports, the bare app, CPU readings)

HOST = world.HOST
UNITS = 5000  # sponsor-sandbox's GOLD-100 plan: 5,000 DRUG units a month
INDICATION = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def _call(port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        payload = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        sent = dict(headers or {})
        if body is not None and "Content-Type" not in sent:
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=sent)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path} answered {resp.status}: {data[:300]!r}")
        return json.loads(data) if data else None
    finally:
        conn.close()


def _token(port: int, client_id: str, secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    form = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
    return _call(port, "POST", "/v1/oauth/token", "grant_type=client_credentials", form)["access_token"]


def prepare(port: int, connections: int) -> list[tuple[dict[str, str], str, str]]:
    """Per connection: a tenant, its clinic's authorization for 5,000 units, the pharmacy's bearer header,
    the code and the line id."""
    out = []
    for _ in range(connections):
        tenant = _call(port, "POST", "/__admin/tenants", {})
        clients = {c["provider_slug"]: c for c in tenant["clients"]}
        clinic, pharmacy = clients["clinic-example"], clients["pharmacy-example"]
        clinic_auth = {"Authorization": f"Bearer {_token(port, clinic['client_id'], clinic['client_secret'])}"}
        body = {
            "beneficiary_id": 1000001,
            "sponsor_slug": "sponsor-sandbox",
            "diagnosis_code": "R51",
            "products": [{"product_code": "MED-042", "product_type": "DRUG", "quantity": UNITS}],
        }
        request = _call(port, "POST", "/arc/v1/authorization-requests", body, clinic_auth)
        indication = {"document_type": "MEDICAL_INDICATION", "file_name": "i.pdf", "content_base64": INDICATION}
        _call(port, "POST", f"/arc/v1/authorization-requests/{request['id']}/indications", indication, clinic_auth)
        done = _call(port, "POST", f"/arc/v1/authorization-requests/{request['id']}/complete", {}, clinic_auth)
        authorization = done["authorizations"][0]
        token = _token(port, pharmacy["client_id"], pharmacy["client_secret"])
        out.append(
            ({"Authorization": f"Bearer {token}"}, authorization["code"], str(authorization["products"][0]["id"]))
        )
    return out


@dataclass
class Flow:
    requests: int = 0
    redemptions: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


START = "/dispensing/v1/dispensations"
INVOICE = {"document_number": "FAC-1", "document_date": "2026-11-30T10:00:00Z"}


def start_request(port: int, headers: dict[str, str], code: str, line_id: str) -> bytes:
    """The pharmacy's start of a dispensation of one unit of the line."""
    body = {"code": code, "products": [{"id": line_id, "quantity": 1, "price": 0, "taxes": 0}]}
    return world.request_bytes(port, "POST", START, headers, body)


async def redeem_once(reader, writer, port: int, headers: dict[str, str], start: bytes) -> str | None:
    """Start, then complete with the amount the start priced (the claim is generated); what went wrong, or None."""
    status, body = await world.exchange(reader, writer, start)
    if status != 201:
        return f"start {status}: {body[:200]!r}"
    started = json.loads(body)
    path = f"{START}/{started['dispensation_id']}/complete"
    complete = world.request_bytes(port, "POST", path, headers, {"amount": started["amount"], **INVOICE})
    status, body = await world.exchange(reader, writer, complete)
    return None if status == 200 else f"complete {status}: {body[:200]!r}"


async def _redeem(port: int, plans, warmup: float, seconds: float, pid: int) -> Flow:
    flow = Flow()

    async def connection(headers: dict[str, str], code: str, line_id: str, window: world.Window) -> None:
        start = start_request(port, headers, code, line_id)
        async with world.keep_alive(port) as (reader, writer):
            while not window.stopping:
                problem = await redeem_once(reader, writer, port, headers, start)
                if problem:
                    flow.errors.append(problem)
                    return
                if window.measuring:
                    flow.requests += 2
                    flow.redemptions += 1

    connections = [functools.partial(connection, *plan) for plan in plans]
    window = await world.measured(connections, warmup, seconds, pid, stop_timeout=10)
    flow.seconds, flow.server_cpu = window.seconds, window.server_cpu
    return flow


def run(args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        mock_port = world.free_port()
        mock = stack.enter_context(world.served(world.mock_argv(mock_port), mock_port))
        module = Path(tmp) / "bare_app.py"
        module.write_text(world.BARE_APP)
        bare_port = world.free_port()
        bare = stack.enter_context(
            world.served([sys.executable, str(module), str(bare_port)], bare_port, ready_path="/hello")
        )
        plans = prepare(mock_port, args.connections)
        flows: list[Flow] = []
        bares: list[world.LoadResult] = []
        for _ in range(args.rounds):  # alternating, the best round of each counts
            with asyncio.Runner(loop_factory=world.loop_factory()[0]) as runner:
                flows.append(runner.run(_redeem(mock_port, plans, args.warmup, args.seconds, mock.proc.pid)))
            bares.append(world.run_load(bare_port, "/hello", {}, args, bare.proc.pid))
    best, best_bare = max(flows, key=lambda f: f.rps), max(bares, key=lambda r: r.rps)
    return {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "redemption": {
            "rps": round(best.rps, 1),
            "redemptions_per_s": round(best.redemptions / best.seconds, 1) if best.seconds else 0.0,
            "rounds_rps": [round(f.rps, 1) for f in flows],
            "server_cpu_cores": None if best.server_cpu is None else round(best.server_cpu, 2),
            "errors": [e for f in flows for e in f.errors][:5],
        },
        "bare_starlette": {"rps": round(best_bare.rps, 1), "rounds_rps": [round(r.rps, 1) for r in bares]},
        "ratio": round(best.rps / best_bare.rps, 3) if best_bare.rps else None,
        "connections": args.connections,
        "seconds": args.seconds,
    }


def report(figures: dict[str, Any]) -> str:
    r, b = figures["redemption"], figures["bare_starlette"]
    lines = [
        f"osigu-mock redemption bench (python {figures['python']}, {figures['cores']} cores, "
        f"{figures['connections']} connections, best of {len(r['rounds_rps'])} rounds of {figures['seconds']:g} s)",
        f"redemption  start + complete (claim generated): {r['rps']:.0f} req/s = {r['redemptions_per_s']:.0f} "
        f"redemptions/s (server {r['server_cpu_cores']} cores)",
        f"bare        starlette GET /hello, same run: {b['rps']:.0f} req/s   ratio {figures['ratio']:.2f}",
    ]
    if r["errors"]:
        lines.append(f"ERRORS: {r['errors']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per round (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds before measuring (default 1)")
    parser.add_argument("--connections", type=int, default=32, help="connections, one tenant each (default 32)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best counts (default 2)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    figures = run(args)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 1 if figures["redemption"]["errors"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
