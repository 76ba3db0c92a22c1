"""Benchmark the served mock: throughput against bare Starlette, start-up time, reset time.

Run from the repository root, with the project's virtualenv active:

    python bench/bench_world.py                 # human-readable report
    python bench/bench_world.py --json          # the same figures as JSON
    python bench/bench_world.py --seconds 10 --connections 64 --startup-runs 10 --reset-runs 100

This is a benchmark, not a test (pytest never collects it): it prints figures and exits 0 unless
something failed outright (a server did not start, a request was refused) or a response was not 200.
It takes about 30 s with the defaults.

What it measures, in one run:

1. Throughput of ``GET /arc/v1/sponsors/sponsor-sandbox/configuration?product_type=DRUG`` (with a
   bearer token) on the mock, and of a bare Starlette ``async def`` route returning a tiny
   ``JSONResponse``. Both are served by uvicorn in a subprocess (1 worker, uvloop, httptools, no
   access log, log level warning) on 127.0.0.1. The load comes from this process: asyncio (uvloop
   when importable) over raw keep-alive HTTP/1.1 connections, one request in flight per connection,
   responses framed by ``Content-Length``. Any non-200 counts as an error. Target: mock/bare >= 0.6.
   Both servers run at once; rounds alternate (mock, bare, mock, bare...) and the best round of each
   counts, since scheduling noise only ever lowers a round. The load generator shares the machine's
   cores with the server, so absolute figures are lower than a dedicated load box would show; the
   ratio is the figure to watch. The report gives each server's CPU use while measured: about 1.00
   core means the server (one event loop) was the bottleneck, as it should be.
2. Launch to first 200: wall time from ``subprocess.Popen`` of ``python -m mock_server.cli serve``
   to the first ``GET /healthz`` answering 200, and to the first authenticated 200 on the
   configuration endpoint (token, then configuration). Target: first 200 <= 0.5 s.
3. Reset: ``POST /__admin/reset`` latency seen by a keep-alive HTTP client, and the in-process cost
   of ``Sandbox.reset("default")``. Target <= 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # so `import mock_server` works without an installed package
    sys.path.insert(0, str(REPO_ROOT))

HOST = "127.0.0.1"
CONFIG_PATH = "/arc/v1/sponsors/sponsor-sandbox/configuration?product_type=DRUG"
CLIENT_ID, CLIENT_SECRET = "demo-clinic", "demo-clinic-secret"

# The bare app: the smallest Starlette endpoint, served with the same uvicorn settings the mock
# uses (mock_server.server.run: 1 worker, access log off, no Server header; loop/http "auto"
# resolve to uvloop/httptools, which are installed).
BARE_APP = textwrap.dedent(
    """
    import sys

    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route


    async def hello(request):
        return JSONResponse({"status": "ok", "version": "0.1.0"})


    app = Starlette(routes=[Route("/hello", hello)])

    if __name__ == "__main__":
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=int(sys.argv[1]),
            workers=1,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_level="warning",
            server_header=False,
        )
    """
)


# -- helpers -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields_ = f.read().rsplit(")", 1)[1].split()
        return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def stop_process(proc: subprocess.Popen) -> None:
    """SIGINT (uvicorn shuts down cleanly), then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=5)


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Any  # the temporary file holding the server's stdout and stderr

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextlib.contextmanager
def served(argv: list[str], port: int, *, ready_path: str = "/healthz") -> Iterator[Server]:
    """Start a server subprocess, wait for ``ready_path`` to answer 200, stop it on the way out."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(proc, port, log)
    try:
        if wait_for_200(proc, port, ready_path, deadline=time.monotonic() + 30) is None:
            raise RuntimeError(f"{' '.join(argv)} did not answer 200 on {ready_path}:\n{server.output()}")
        yield server
    finally:
        stop_process(proc)
        log.close()


def mock_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port)]


def get_status(port: int, path: str, *, headers: dict[str, str] | None = None, timeout: float = 0.25) -> int | None:
    """One GET on a fresh connection; None when the server is not there yet."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return None
    finally:
        conn.close()


def wait_for_200(
    proc: subprocess.Popen, port: int, path: str, *, deadline: float, every: float = 0.005
) -> float | None:
    """Poll ``path`` every ``every`` seconds; the monotonic time of the first 200, or None."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        if get_status(port, path) == 200:
            return time.monotonic()
        time.sleep(every)
    return None


def fetch_token(port: int) -> str:
    """One client-credentials token (the endpoint allows 10 a minute per client: fetch once, reuse)."""
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(
            "POST",
            "/v1/oauth/token",
            body="grant_type=client_credentials",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"token request answered {resp.status}: {body[:300]!r}")
        return json.loads(body)["access_token"]
    finally:
        conn.close()


# -- 1. throughput -----------------------------------------------------------------------------
@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float | None = None  # server CPU seconds / wall seconds while measuring (1.0 = one core)
    client_cpu: float | None = None  # the same for this process (the load generator)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def request_bytes(port: int, method: str, path: str, headers: dict[str, str], body: Any = None) -> bytes:
    """One raw HTTP/1.1 keep-alive request (a JSON body when given): what every benchmark here sends."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join([*lines, "", ""])).encode("latin-1") + payload


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection; its status and body (framed by Content-Length)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(v) for n, _, v in (h.partition(b":") for h in head.split(b"\r\n")[1:]) if n.lower() == b"content-length"
    )
    return int(head[9:12]), await reader.readexactly(length)


@dataclass
class Window:
    """The load benchmarks' measuring window (``measured``): the connections run from the start; only what they
    finish while ``measuring`` counts; ``stopping`` tells them to end."""

    measuring: bool = False
    stopping: bool = False
    seconds: float = 0.0
    server_cpu: float | None = None  # cores the server used while measuring (None: no pid, or no /proc)
    client_cpu: float = 0.0  # cores this load generator used while measuring


@contextlib.asynccontextmanager
async def keep_alive(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """One keep-alive connection to the server on ``port``, closed on the way out."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def measured(
    connections: list[Callable[[Window], Awaitable[None]]],
    warmup: float,
    seconds: float,
    pid: int | None = None,
    stop_timeout: float = 30.0,
) -> Window:
    """Run the connections: ``warmup`` seconds, then ``seconds`` measured, then stop them all and wait for them."""
    window = Window()
    tasks = [asyncio.create_task(connection(window)) for connection in connections]
    try:
        await asyncio.sleep(warmup)
        for task in tasks:  # a connection that died during the warm-up (refused, protocol error) is fatal
            if task.done():
                task.result()
        server_cpu0 = cpu_seconds(pid) if pid is not None else None
        client_cpu0, t0 = time.process_time(), time.perf_counter()
        window.measuring = True
        await asyncio.sleep(seconds)
        window.measuring = False
        window.seconds = time.perf_counter() - t0
        server_cpu1 = cpu_seconds(pid) if pid is not None else None
        if server_cpu0 is not None and server_cpu1 is not None:
            window.server_cpu = (server_cpu1 - server_cpu0) / window.seconds
        window.client_cpu = (time.process_time() - client_cpu0) / window.seconds
        window.stopping = True
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=stop_timeout)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return window


async def _load(port: int, request: bytes, connections: int, warmup: float, seconds: float, pid: int) -> LoadResult:
    result = LoadResult()

    async def connection(window: Window) -> None:
        async with keep_alive(port) as (reader, writer):
            while not window.stopping:
                status, body = await exchange(reader, writer, request)
                if window.measuring:
                    result.requests += 1
                    if status != 200:
                        result.errors += 1
                        if len(result.error_samples) < 5:
                            result.error_samples.append(f"{status}: {body[:200]!r}")

    window = await measured([connection] * connections, warmup, seconds, pid, stop_timeout=10)
    result.seconds, result.server_cpu, result.client_cpu = window.seconds, window.server_cpu, window.client_cpu
    return result


def loop_factory() -> tuple[Callable[[], asyncio.AbstractEventLoop], str]:
    """uvloop's event loop when importable (cheaper per request), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop, "asyncio"
    return uvloop.new_event_loop, "uvloop"


def run_load(port: int, path: str, headers: dict[str, str], args: argparse.Namespace, pid: int) -> LoadResult:
    # asyncio.Runner cancels the connections cleanly on Ctrl-C.
    with asyncio.Runner(loop_factory=loop_factory()[0]) as runner:
        return runner.run(
            _load(port, request_bytes(port, "GET", path, headers), args.connections, args.warmup, args.seconds, pid)
        )


def bench_throughput(args: argparse.Namespace) -> dict[str, Any]:
    """Both servers up at once (an idle one costs nothing); rounds alternate mock, bare, mock, bare..."""
    runs: dict[str, list[LoadResult]] = {"mock_config": [], "bare_starlette": []}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        mock_port = free_port()
        mock = stack.enter_context(served(mock_argv(mock_port), mock_port))
        token = fetch_token(mock_port)  # one token for the whole run (10 token requests a minute per client)
        headers = {"Authorization": f"Bearer {token}"}
        check = get_status(mock_port, CONFIG_PATH, headers=headers, timeout=10)
        if check != 200:  # fail fast rather than measure a stream of 401s
            raise RuntimeError(f"{CONFIG_PATH} answered {check} with a fresh token")

        module = Path(tmp) / "bare_app.py"
        module.write_text(BARE_APP)
        bare_port = free_port()
        bare_argv = [sys.executable, str(module), str(bare_port)]
        bare = stack.enter_context(served(bare_argv, bare_port, ready_path="/hello"))

        for _ in range(args.rounds):
            runs["mock_config"].append(run_load(mock_port, CONFIG_PATH, headers, args, mock.proc.pid))
            runs["bare_starlette"].append(run_load(bare_port, "/hello", {}, args, bare.proc.pid))

    def view(results: list[LoadResult]) -> dict[str, Any]:
        best = max(results, key=lambda r: r.rps)
        return {
            "rps": round(best.rps, 1),  # the best round: scheduling noise only ever lowers a round
            "rounds_rps": [round(r.rps, 1) for r in results],
            "requests": sum(r.requests for r in results),
            "errors": sum(r.errors for r in results),
            "error_samples": [sample for r in results for sample in r.error_samples][:5],
            "seconds_per_round": args.seconds,
            "server_cpu_cores": None if best.server_cpu is None else round(best.server_cpu, 2),
            "loadgen_cpu_cores": None if best.client_cpu is None else round(best.client_cpu, 2),
        }

    mock_view, bare_view = view(runs["mock_config"]), view(runs["bare_starlette"])
    return {
        "mock_config": mock_view,
        "bare_starlette": bare_view,
        "ratio": round(mock_view["rps"] / bare_view["rps"], 3) if bare_view["rps"] else None,
        "target_ratio": 0.6,
        "connections": args.connections,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "loadgen_loop": loop_factory()[1],
    }


# -- 2. launch to first 200 --------------------------------------------------------------------
def bench_startup(args: argparse.Namespace) -> dict[str, Any]:
    first_200: list[float] = []
    first_auth_200: list[float] = []
    for _ in range(args.startup_runs):
        port = free_port()
        log = tempfile.TemporaryFile()
        t0 = time.monotonic()
        proc = subprocess.Popen(
            mock_argv(port), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            ready = wait_for_200(proc, port, "/healthz", deadline=t0 + 30)
            if ready is None:
                log.seek(0)
                raise RuntimeError(f"the mock did not answer /healthz:\n{log.read().decode(errors='replace')}")
            first_200.append(ready - t0)
            token = fetch_token(port)
            conn = http.client.HTTPConnection(HOST, port, timeout=10)
            try:
                conn.request("GET", CONFIG_PATH, headers={"Authorization": f"Bearer {token}"})
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"configuration answered {resp.status}: {body[:300]!r}")
            finally:
                conn.close()
            first_auth_200.append(time.monotonic() - t0)
        finally:
            stop_process(proc)
            log.close()
    return {
        "runs": args.startup_runs,
        "first_200_s": {"median": round(statistics.median(first_200), 3), "max": round(max(first_200), 3)},
        "first_authenticated_200_s": {
            "median": round(statistics.median(first_auth_200), 3),
            "max": round(max(first_auth_200), 3),
        },
        "target_first_200_s": 0.5,
    }


# -- 3. reset ----------------------------------------------------------------------------------
def bench_reset(args: argparse.Namespace) -> dict[str, Any]:
    # Over HTTP: one keep-alive connection, a few warm-up calls, then N timed calls.
    port = free_port()
    http_ms: list[float] = []
    with served(mock_argv(port), port):
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            for i in range(5 + args.reset_runs):
                t0 = time.perf_counter()
                conn.request("POST", "/__admin/reset", body=b"", headers={"Content-Length": "0"})
                resp = conn.getresponse()
                body = resp.read()
                elapsed = time.perf_counter() - t0
                if resp.status != 200:
                    raise RuntimeError(f"/__admin/reset answered {resp.status}: {body[:300]!r}")
                if i >= 5:
                    http_ms.append(elapsed * 1000)
        finally:
            conn.close()

    # In process: the cost of Sandbox.reset itself, without HTTP.
    from mock_server.sandbox import Sandbox
    from mock_server.settings import Settings

    sandbox = Sandbox(Settings())
    for _ in range(5):
        sandbox.reset("default")
    inproc_ms: list[float] = []
    for _ in range(args.inprocess_runs):
        t0 = time.perf_counter()
        sandbox.reset("default")
        inproc_ms.append((time.perf_counter() - t0) * 1000)

    def stats(values: list[float]) -> dict[str, float]:
        return {
            "median": round(statistics.median(values), 3),
            "p95": round(percentile(values, 95), 3),
            "max": round(max(values), 3),
            "runs": len(values),
        }

    return {"http_ms": stats(http_ms), "in_process_ms": stats(inproc_ms), "target_ms": 10}


# -- report ------------------------------------------------------------------------------------
def report(figures: dict[str, Any]) -> str:
    t, s, r = figures["throughput"], figures["startup"], figures["reset"]
    mock, bare = t["mock_config"], t["bare_starlette"]

    def cpu(v: dict[str, Any]) -> str:
        if v["server_cpu_cores"] is None:
            return ""
        return f" (server {v['server_cpu_cores']:.2f} cores, loadgen {v['loadgen_cpu_cores']:.2f})"

    lines = [
        f"osigu-mock bench (python {figures['python']}, {figures['cores']} cores)",
        f"throughput  mock config: {mock['rps']:.0f} req/s   bare starlette: {bare['rps']:.0f} req/s   "
        f"ratio {t['ratio']:.2f} (target >= {t['target_ratio']})",
        f"            mock{cpu(mock)}; bare{cpu(bare)}",
        f"            best of {t['rounds']} rounds of {figures['seconds']:g} s after {t['warmup_s']:g} s warm-up, "
        f"{t['connections']} keep-alive connections, {t['loadgen_loop']} load generator",
        "            caveat: the Python load generator shares this "
        f"{figures['cores']}-core machine with the server; absolute req/s are understated, compare the ratio",
    ]
    for name, v in (("mock", mock), ("bare", bare)):
        if v["server_cpu_cores"] is not None and v["server_cpu_cores"] < 0.9:
            lines.append(
                f"            warning: the {name} server used only {v['server_cpu_cores']:.2f} of a core in its best "
                "round, so that figure is bound by the load generator or scheduling, not the server"
            )
        if v["errors"]:
            lines.append(f"            ERRORS ({name}): {v['errors']} non-200 of {v['requests']}: {v['error_samples']}")
    fs, fa = s["first_200_s"], s["first_authenticated_200_s"]
    lines.append(
        f"startup     first 200: median {fs['median']:.2f} s, max {fs['max']:.2f} s "
        f"(target <= {s['target_first_200_s']} s); first authenticated 200: median {fa['median']:.2f} s, "
        f"max {fa['max']:.2f} s ({s['runs']} runs)"
    )
    h, i = r["http_ms"], r["in_process_ms"]
    lines.append(
        f"reset       HTTP: median {h['median']:.2f} ms, p95 {h['p95']:.2f} ms ({h['runs']} runs); "
        f"in-process: median {i['median']:.3f} ms, p95 {i['p95']:.3f} ms ({i['runs']} runs) "
        f"(target <= {r['target_ms']} ms)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per throughput run (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds before measuring (default 1)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (default 32)")
    parser.add_argument("--startup-runs", type=int, default=5, help="launches to time (default 5)")
    parser.add_argument("--reset-runs", type=int, default=50, help="POST /__admin/reset calls to time (default 50)")
    parser.add_argument(
        "--inprocess-runs", type=int, default=500, help="in-process Sandbox.reset calls to time (default 500)"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating rounds per server; the best one counts (default 2)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C does, so the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    figures: dict[str, Any] = {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "seconds": args.seconds,
    }
    figures["throughput"] = bench_throughput(args)
    figures["startup"] = bench_startup(args)
    figures["reset"] = bench_reset(args)

    print(json.dumps(figures, indent=2) if args.json else report(figures))
    errors = figures["throughput"]["mock_config"]["errors"] + figures["throughput"]["bare_starlette"]["errors"]
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers were stopped by the context managers on the way out
        print("interrupted", file=sys.stderr)
        sys.exit(130)
