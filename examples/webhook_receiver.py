"""A webhook receiver for osigu-mock (and OSIGU): verify the signature, dedupe, acknowledge.

    OSIGU_WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py --port 9000

Then subscribe it (any scope) and trigger an event:

    MOCK=http://127.0.0.1:8080
    TOKEN=$(curl -s -u demo-clinic:demo-clinic-secret -d grant_type=client_credentials $MOCK/v1/oauth/token \\
            | python -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
         -d '{"url": "http://127.0.0.1:9000/osigu", "event_types": ["*"]}' $MOCK/webhooks/v1/subscriptions
    # restart this receiver with the signing_secret it answered, then:
    curl -s -H 'Content-Type: application/json' $MOCK/__admin/events \\
         -d '{"event_type": "authorization.created", "provider_slug": "clinic-example"}'

A bad or stale signature gets 401 (as OSIGU's guide says); anything else 200, once per event_id.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mock_server.webhooks import SIGNATURE_HEADER, WebhookSignatureError, verify


def make_server(secret: str, port: int = 0, *, tolerance: float | None = 300) -> ThreadingHTTPServer:
    """A receiver on 127.0.0.1:``port``; ``server.events`` holds the verified envelopes, in order."""
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                verify(body, self.headers.get(SIGNATURE_HEADER), secret, tolerance=tolerance)
            except WebhookSignatureError as exc:
                self._answer(401, {"error": str(exc)})
                return
            event = json.loads(body)
            with lock:
                duplicate = event["event_id"] in seen
                seen.add(event["event_id"])
                if not duplicate:
                    server.events.append(event)
            self._answer(200, {"received": event["event_id"], "duplicate": duplicate})

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.events = []  # type: ignore[attr-defined]
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description="Receive and verify osigu-mock webhooks.")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", default=os.environ.get("OSIGU_WEBHOOK_SECRET"))
    parser.add_argument(
        "--no-tolerance", action="store_true", help="accept any timestamp (to replay deliveries captured earlier)"
    )
    args = parser.parse_args()
    if not args.secret:
        parser.error("give the subscription's signing_secret with --secret or OSIGU_WEBHOOK_SECRET")
    server = make_server(args.secret, args.port, tolerance=None if args.no_tolerance else 300)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
