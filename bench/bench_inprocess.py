"""Per-request cost of the app in process: the ASGI app called directly, no sockets, no load generator.

Run from the repository root, with the project's virtualenv active:

    python bench/bench_inprocess.py            # best of 5 rounds per operation
    python bench/bench_inprocess.py --rounds 9

A benchmark, not a test (pytest never collects it). It prints microseconds per request for two
operations on the hot path: the authenticated configuration read, and a new pre-authorization request
(guide body, one DRUG line). Without a load generator sharing the two cores, these figures repeat
within a few percent from run to run, which makes them the figure to compare two versions of the code
(the served benchmark, bench_world.py, compares the mock with bare Starlette).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import orjson

from mock_server.app import create_app
from mock_server.settings import Settings

CONFIGURATION = ("GET", "/arc/v1/sponsors/sponsor-sandbox/configuration", b"product_type=DRUG", b"")
INITIATE_BODY = {
    "beneficiary_id": 1000001,
    "sponsor_slug": "sponsor-sandbox",
    "diagnosis_code": "R51",
    "products": [{"product_code": "MED-042", "product_type": "MEDICATION", "quantity": 1}],
}
INITIATE = ("POST", "/arc/v1/authorization-requests", b"", orjson.dumps(INITIATE_BODY))


def caller(app, token: str):
    async def call(method: str, path: str, query: bytes, body: bytes) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        delivered = False
        status = 0

        async def receive():
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return call


async def measure(call, operation, requests: int, rounds: int) -> float:
    status = await call(*operation)
    if status not in (200, 201):
        raise SystemExit(f"{operation[0]} {operation[1]} answered {status}")
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(requests):
            await call(*operation)
        best = min(best, (time.perf_counter() - started) / requests)
    return best * 1e6


async def main(args: argparse.Namespace) -> None:
    app = create_app(Settings())
    sandbox = app.state.sandbox
    token = sandbox.issue_token("demo-clinic", "demo-clinic-secret", "client_credentials")["access_token"]
    call = caller(app, token)
    config = await measure(call, CONFIGURATION, 20_000, args.rounds)
    initiate = await measure(call, INITIATE, 5_000, args.rounds)
    print(f"osigu-mock in process (best of {args.rounds} rounds)")
    print(f"  authenticated configuration read   {config:6.1f} us/request")
    print(f"  new pre-authorization request      {initiate:6.1f} us/request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per operation; the best counts (default 5)")
    asyncio.run(main(parser.parse_args()))
