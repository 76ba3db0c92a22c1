"""A soak: mixed traffic at 200 connections for 60 s against the served mock, on loopback only.

Run from the repository root, with the project installed:

    python bench/load.py                       # 200 connections, 60 s
    python bench/load.py --connections 50 --seconds 10

A benchmark, not a test (pytest never collects it). It exits 1 when any request answered anything but what its
step expects, or a log passed its bound; otherwise 0, with the figures.

The connections are split evenly over four kinds of traffic, each on the default tenant's demo clients:

- reads: the clinic's ``GET`` of the sponsor's configuration (expects 200);
- pre-authorizations: the clinic's new request, the guide's body (expects 201);
- redemptions: the pharmacy's start + complete of a dispensation (201, 200), each connection on an authorization of
  its own for 5,000 units, issued before the clock starts (in a tenant of its own, as ``bench_redemption.py``);
- prescriptions: the doctor's office's v1 prescription for one patient (expects 201).

Every 5 s it samples the server's resident memory (VmRSS); at the end it reads the sizes of the request journal
and the webhook delivery log through the control plane and checks each against its bound (the settings' defaults,
README "Performance and limits"). The event log is a ring of 10,000 (``deque(maxlen=...)``) that the control
plane does not list. The records themselves (requests, authorizations, dispensations, claims, prescriptions) are
the state the mock exists to keep: they grow with the traffic, which is what the resident figures show.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_redemption as redemption  # noqa: E402
import bench_world as world  # noqa: E402
from table import INITIATE_BODY, INITIATE_PATH  # noqa: E402

PRESCRIPTION = {
    "doctor": {"name": "Dra. Ana Gómez", "medical_license_number": "MP-12345", "country_code": "CO"},
    "diagnoses": [{"diagnosis_code": "R51"}],
    "medications": [{"product_code": "MED-042", "quantity": 30, "posology": "1c/8h", "duration_days": 10}],
}
BOUNDS = {"journal": 1_000, "deliveries": 5_000}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def soak(port: int, pid: int, connections: int, seconds: float) -> dict[str, Any]:
    clinic = {"Authorization": f"Bearer {world.fetch_token(port)}"}
    doctor = {"Authorization": f"Bearer {redemption._token(port, 'demo-doctors-office', 'demo-doctors-office-secret')}"}
    patient = redemption._call(
        port,
        "POST",
        "/ehr/v1/patients",
        {
            "first_name": "ANA",
            "last_name": "PEREZ",
            "document_type": "CC",
            "document_number": "1020304050",
            "date_of_birth": "1990-04-11",
        },
        doctor,
    )
    quarter = max(1, connections // 4)
    plans = redemption.prepare(port, quarter)
    read = world.request_bytes(port, "GET", world.CONFIG_PATH, clinic)
    initiate = world.request_bytes(port, "POST", INITIATE_PATH, clinic, INITIATE_BODY)
    prescribe = world.request_bytes(
        port, "POST", "/ehr/v1/prescriptions", doctor, {**PRESCRIPTION, "patient_id": patient["patient_id"]}
    )
    counts: Counter[str] = Counter()
    errors: list[str] = []
    stopping = False

    async def repeat(kind: str, request: bytes, expect: int) -> None:
        async with world.keep_alive(port) as (reader, writer):
            while not stopping:
                status, body = await world.exchange(reader, writer, request)
                counts[kind] += 1
                if status != expect:
                    errors.append(f"{kind} {status}: {body[:160]!r}")

    async def redeem(headers: dict[str, str], code: str, line_id: str) -> None:
        start = redemption.start_request(port, headers, code, line_id)
        async with world.keep_alive(port) as (reader, writer):
            while not stopping:
                problem = await redemption.redeem_once(reader, writer, port, headers, start)
                counts["redemption requests"] += 2
                if problem:
                    errors.append(problem)
                    return

    tasks = [asyncio.create_task(repeat("read", read, 200)) for _ in range(quarter)]
    tasks += [asyncio.create_task(repeat("pre-authorization", initiate, 201)) for _ in range(quarter)]
    tasks += [asyncio.create_task(repeat("prescription", prescribe, 201)) for _ in range(quarter)]
    tasks += [asyncio.create_task(redeem(*plan)) for plan in plans]
    samples = [(0.0, round(rss_mb(pid), 1))]
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        await asyncio.sleep(min(5.0, seconds - elapsed))
        samples.append((round(time.perf_counter() - started, 1), round(rss_mb(pid), 1)))
    stopping = True
    await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - started
    return {"counts": dict(counts), "errors": errors, "seconds": round(wall, 1), "rss_mb": samples}


def logs(port: int) -> dict[str, int]:
    journal = redemption._call(port, "GET", "/__admin/journal?size=1")["page"]["total_elements"]
    deliveries = redemption._call(port, "GET", "/__admin/webhooks/deliveries?size=1")["page"]["total_elements"]
    return {"journal": journal, "deliveries": deliveries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    port = world.free_port()
    with world.served(world.mock_argv(port), port) as server:
        with asyncio.Runner(loop_factory=world.loop_factory()[0]) as runner:
            found = runner.run(soak(port, server.proc.pid, args.connections, args.seconds))
        held = logs(port)
    total = sum(found["counts"].values())
    over = {name: size for name, size in held.items() if size > BOUNDS[name]}
    print(
        f"{args.connections} connections for {found['seconds']} s: {total:,} requests "
        f"({total / found['seconds']:,.0f}/s): {found['counts']}"
    )
    print(f"errors: {len(found['errors'])} {found['errors'][:5]}")
    print(f"resident memory (s, MB): {found['rss_mb']}")
    print(f"logs held (bounds {BOUNDS}): {held}{'  OVER: ' + str(over) if over else ''}")
    return 1 if found["errors"] or over else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
