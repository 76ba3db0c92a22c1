"""Every performance figure of the mock in one table, beside a bare Starlette app measured in the same run.

Run from the repository root, with the project installed (from its wheel, as a new user would, or editable):

    python bench/table.py                      # the table (about 4 minutes)
    python bench/table.py --json               # the same figures as JSON
    python bench/table.py --seconds 3 --memory-flows 20000   # a quicker, rougher look

A benchmark, not a test (pytest never collects it). It exits 0 unless something failed outright (a server did not
start, a request answered an unexpected status).

How. The mock (``python -m mock_server.cli serve``) and a bare Starlette app are served at once by uvicorn in
subprocesses with the same settings (1 worker, uvloop, httptools, no access log). The bare app has three routes:
``GET /hello`` (a tiny JSON body), ``GET /config`` (the body the mock answers for the configuration read, taken
from the mock at start, served as a Starlette app would: ``JSONResponse``) and ``POST /store`` (parses the JSON
body, stores a record of the size of the mock's answer, answers it with 201). The load comes from this process
(asyncio over raw keep-alive HTTP/1.1 connections, one request in flight per connection, uvloop when
importable; not wrk, even where installed: the dispensation flow needs a client that reads each answer, and one
generator for every row keeps the rows comparable), which shares
the two cores with the server, so the ratios are the figures to watch. Rounds alternate mock and bare; the best
round of each counts (scheduling noise only lowers a round). Latencies are those of their own round.

Figures: the authenticated configuration read against ``GET /config``; a new pre-authorization request (the
guide's body, one DRUG line) against ``POST /store``; a pharmacy's start + complete of a dispensation (with the
generated claim), as flows a second, against the bare ``GET /hello``'s requests a second; p50 and p99 of the
authenticated read at 32 and at 200 connections; launch to first 200 (``/healthz``; ``/hello`` for the bare app);
``POST /__admin/reset``; resident memory with N authorizations and N claims (``bench/bench_memory.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_redemption as redemption  # noqa: E402
import bench_world as world  # noqa: E402

HOST = world.HOST
INITIATE_PATH = "/arc/v1/authorization-requests"
INITIATE_BODY = {
    "beneficiary_id": 1000001,
    "sponsor_slug": "sponsor-sandbox",
    "diagnosis_code": "R51",
    "products": [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 30, "posology": "1c/8h"}],
}

BARE_APP = textwrap.dedent(
    """
    import json, sys

    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    CONFIG = json.loads(open(sys.argv[2], "rb").read())
    RECORD = json.loads(open(sys.argv[3], "rb").read())
    STORED = []


    async def hello(request):
        return JSONResponse({"status": "ok", "version": "0.1.0"})


    async def config(request):
        return JSONResponse(CONFIG)


    async def store(request):
        body = await request.json()
        record = {**RECORD, **body, "id": len(STORED) + 1}
        STORED.append(record)
        return JSONResponse(record, status_code=201)


    app = Starlette(routes=[Route("/hello", hello), Route("/config", config), Route("/store", store, methods=["POST"])])

    if __name__ == "__main__":
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, loop="uvloop", http="httptools",
                    access_log=False, log_level="warning", server_header=False)
    """
)


@dataclass
class Round:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        return world.percentile(self.latencies, p) * 1000 if self.latencies else 0.0


async def _load(port: int, request: bytes, expect: int, connections: int, warmup: float, seconds: float) -> Round:
    result = Round()

    async def connection(window: world.Window) -> None:
        async with world.keep_alive(port) as (reader, writer):
            while not window.stopping:
                sent = time.perf_counter()
                status, body = await world.exchange(reader, writer, request)
                if window.measuring:
                    result.requests += 1
                    result.latencies.append(time.perf_counter() - sent)
                    if status != expect and len(result.errors) < 5:
                        result.errors.append(f"{status}: {body[:200]!r}")

    result.seconds = (await world.measured([connection] * connections, warmup, seconds)).seconds
    return result


def load(port: int, request: bytes, expect: int, connections: int, args: argparse.Namespace) -> Round:
    with asyncio.Runner(loop_factory=world.loop_factory()[0]) as runner:
        found = runner.run(_load(port, request, expect, connections, args.warmup, args.seconds))
    if found.errors:
        raise RuntimeError(f"unexpected answers: {found.errors}")
    return found


def best_of(rounds: int, *measures: Callable[[], Round]) -> list[Round]:
    """Alternate the measures round by round; the best round of each."""
    seen: list[list[Round]] = [[] for _ in measures]
    for _ in range(rounds):
        for index, measure in enumerate(measures):
            seen[index].append(measure())
    return [max(found, key=lambda r: r.rps) for found in seen]


def launch(argv: list[str], port: int, path: str) -> float:
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=world.REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = world.wait_for_200(proc, port, path, deadline=started + 30, every=0.002)
        if ready is None:
            raise RuntimeError(f"{argv} did not answer 200 on {path}")
        return ready - started
    finally:
        world.stop_process(proc)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"load_generator": f"python ({world.loop_factory()[1]})"}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        mock_port = world.free_port()
        mock = stack.enter_context(world.served(world.mock_argv(mock_port), mock_port))
        bearer = {"Authorization": f"Bearer {world.fetch_token(mock_port)}"}
        config = redemption._call(mock_port, "GET", world.CONFIG_PATH, headers=bearer)
        created = redemption._call(mock_port, "POST", INITIATE_PATH, INITIATE_BODY, bearer)
        (Path(tmp) / "config.json").write_bytes(json.dumps(config, separators=(",", ":"), ensure_ascii=False).encode())
        (Path(tmp) / "record.json").write_text(json.dumps(created))
        (Path(tmp) / "bare.py").write_text(BARE_APP)
        bare_port = world.free_port()
        bare_argv = [
            sys.executable,
            str(Path(tmp) / "bare.py"),
            str(bare_port),
            *(str(Path(tmp) / n) for n in ("config.json", "record.json")),
        ]
        stack.enter_context(world.served(bare_argv, bare_port, ready_path="/hello"))

        read = world.request_bytes(mock_port, "GET", world.CONFIG_PATH, bearer)
        bare_read = world.request_bytes(bare_port, "GET", "/config", {})
        hello = world.request_bytes(bare_port, "GET", "/hello", {})
        initiate = world.request_bytes(mock_port, "POST", INITIATE_PATH, bearer, INITIATE_BODY)
        bare_store = world.request_bytes(bare_port, "POST", "/store", {}, INITIATE_BODY)
        c = args.connections

        mock_read, bare_get = best_of(
            args.rounds, lambda: load(mock_port, read, 200, c, args), lambda: load(bare_port, bare_read, 200, c, args)
        )
        figures["read"] = _pair(mock_read, bare_get, 1.0)
        mock_post, bare_post = best_of(
            args.rounds,
            lambda: load(mock_port, initiate, 201, c, args),
            lambda: load(bare_port, bare_store, 201, c, args),
        )
        figures["initiate"] = _pair(mock_post, bare_post, 0.8)

        plans = redemption.prepare(mock_port, c)
        flows, bare_hello = [], []
        for _ in range(args.rounds):
            with asyncio.Runner(loop_factory=world.loop_factory()[0]) as runner:
                flow = runner.run(redemption._redeem(mock_port, plans, args.warmup, args.seconds, mock.proc.pid))
            if flow.errors:
                raise RuntimeError(f"redemption: {flow.errors[:3]}")
            flows.append(flow.redemptions / flow.seconds)
            bare_hello.append(load(bare_port, hello, 200, c, args).rps)
        figures["flow"] = {
            "mock": round(max(flows), 1),
            "bare": round(max(bare_hello), 1),
            "ratio": round(max(flows) / max(bare_hello), 3),
            "target": 0.3,
            "unit": "flows/s vs GET req/s",
        }

        latency = {}
        for connections in (32, 200):
            found = load(mock_port, read, 200, connections, args)
            bare = load(bare_port, bare_read, 200, connections, args)
            latency[connections] = {
                "mock_p50_ms": round(found.pct(50), 2),
                "mock_p99_ms": round(found.pct(99), 2),
                "bare_p50_ms": round(bare.pct(50), 2),
                "bare_p99_ms": round(bare.pct(99), 2),
                "mock_rps": round(found.rps, 1),
            }
        figures["latency"] = latency

    mock_launch, bare_launch = [], []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config.json").write_text("{}")
        (Path(tmp) / "record.json").write_text("{}")
        (Path(tmp) / "bare.py").write_text(BARE_APP)
        for _ in range(args.launch_runs):
            port = world.free_port()
            mock_launch.append(launch(world.mock_argv(port), port, "/healthz"))
            port = world.free_port()
            argv = [
                sys.executable,
                str(Path(tmp) / "bare.py"),
                str(port),
                str(Path(tmp) / "config.json"),
                str(Path(tmp) / "record.json"),
            ]
            bare_launch.append(launch(argv, port, "/hello"))
    m, b = statistics.median(mock_launch), statistics.median(bare_launch)
    figures["launch"] = {"mock": round(m, 3), "bare": round(b, 3), "ratio": round(m / b, 2), "target": 1.5}

    reset = world.bench_reset(argparse.Namespace(reset_runs=args.reset_runs, inprocess_runs=args.reset_runs))
    figures["reset"] = {
        "http_ms": reset["http_ms"]["median"],
        "in_process_ms": reset["in_process_ms"]["median"],
        "target_ms": 10,
    }

    memory = subprocess.run(
        [sys.executable, str(BENCH / "bench_memory.py"), "--json", "--flows", str(args.memory_flows)],
        capture_output=True,
        text=True,
        check=True,
        cwd=world.REPO_ROOT,
    )
    figures["memory"] = json.loads(memory.stdout)
    return figures


def _pair(mock: Round, bare: Round, target: float) -> dict[str, Any]:
    return {
        "mock": round(mock.rps, 1),
        "bare": round(bare.rps, 1),
        "ratio": round(mock.rps / bare.rps, 3),
        "target": target,
        "unit": "req/s",
    }


def table(f: dict[str, Any]) -> str:
    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    rows = [
        (
            "authenticated read (configuration)",
            f"{f['read']['mock']:,.0f} req/s",
            f"{f['read']['bare']:,.0f} req/s (GET, same body)",
            f"{f['read']['ratio']:.2f}×",
            "≥ 1.0×",
            met(f["read"]["ratio"] >= 1.0),
        ),
        (
            "new pre-authorization request",
            f"{f['initiate']['mock']:,.0f} req/s",
            f"{f['initiate']['bare']:,.0f} req/s (POST, parse + store)",
            f"{f['initiate']['ratio']:.2f}×",
            "≥ 0.8×",
            met(f["initiate"]["ratio"] >= 0.8),
        ),
        (
            "start + complete dispensation (auto-claim)",
            f"{f['flow']['mock']:,.0f} flows/s",
            f"{f['flow']['bare']:,.0f} req/s (GET)",
            f"{f['flow']['ratio']:.2f}×",
            "≥ 0.3×",
            met(f["flow"]["ratio"] >= 0.3),
        ),
    ]
    for connections, lat in f["latency"].items():
        rows.append(
            (
                f"read latency at {connections} connections",
                f"p50 {lat['mock_p50_ms']} ms, p99 {lat['mock_p99_ms']} ms",
                f"p50 {lat['bare_p50_ms']} ms, p99 {lat['bare_p99_ms']} ms",
                "",
                "reported",
                "",
            )
        )
    rows += [
        (
            "launch to first 200",
            f"{f['launch']['mock']:.2f} s",
            f"{f['launch']['bare']:.2f} s",
            f"{f['launch']['ratio']:.2f}×",
            "≤ 1.5×",
            met(f["launch"]["ratio"] <= 1.5),
        ),
        (
            "reset (POST /__admin/reset)",
            f"{f['reset']['http_ms']:.2f} ms ({f['reset']['in_process_ms']:.2f} ms in process)",
            "",
            "",
            "≤ 10 ms",
            met(f["reset"]["http_ms"] <= 10),
        ),
        (
            f"resident memory, {f['memory']['authorizations']:,} authorizations + {f['memory']['claims']:,} claims",
            f"{f['memory']['rss_after_mb']:.0f} MB",
            f"idle app {f['memory']['rss_before_mb']:.0f} MB",
            "",
            "≤ 200 MB",
            met(f["memory"]["rss_after_mb"] <= 200),
        ),
    ]
    header = ("figure", "mock", "bare Starlette", "ratio", "target", "")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)]
    bounds = f["memory"]["bounds"]
    out.append("")
    out.append(
        f"load generator: {f['load_generator']}; {f['connections']} connections, {f['seconds']} s rounds, best of "
        f"{f['rounds']}; logs bounded: journal {bounds['journal']:,}, event log {bounds['event_log']:,}, "
        f"delivery log {bounds['delivery_log']:,} entries per tenant"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per round")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--launch-runs", type=int, default=7)
    parser.add_argument("--reset-runs", type=int, default=100)
    parser.add_argument("--memory-flows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args)
    figures.update(connections=args.connections, seconds=args.seconds, rounds=args.rounds)
    print(json.dumps(figures, indent=2) if args.json else table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
