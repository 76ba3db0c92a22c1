"""The README's example receiver works against the mock: it accepts signed deliveries, refuses forged ones."""

from __future__ import annotations

import importlib.util
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mock_server.webhooks import sign

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "webhook_receiver.py"


@pytest.fixture
def example():
    spec = importlib.util.spec_from_file_location("webhook_receiver", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_receiver_verifies_the_mocks_deliveries(client, example):
    auth = client.bearer()
    # A free port first: the subscription (and so the secret) must exist before the receiver starts.
    server = example.make_server("placeholder", 0, tolerance=None)
    port = server.server_address[1]
    server.server_close()
    subscription = client.post(
        "/webhooks/v1/subscriptions",
        json={"url": f"http://127.0.0.1:{port}/osigu", "event_types": ["authorization.*"]},
        headers=auth,
    ).json()
    server = example.make_server(subscription["signing_secret"], port)  # the production 300 s tolerance
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client.post("/__admin/clock/advance", json={"seconds": 86400})  # a day ahead on the mock clock...
        client.post("/__admin/events", json={"event_type": "authorization.created", "provider_slug": "clinic-example"})
        client.post("/__admin/clock/advance", json={"seconds": 0})  # ...yet t= is the wall clock's now
        delivery = client.get("/__admin/webhooks/deliveries").json()["content"][0]
        assert delivery["status"] == "DELIVERED", delivery
        assert [e["event_type"] for e in server.events] == ["authorization.created"]
        forged = urllib.request.Request(
            f"http://127.0.0.1:{port}/osigu",
            data=b'{"event_id": "evt_x"}',
            headers={"X-Osigu-Signature": sign(b'{"event_id": "evt_x"}', "whsec_wrong")},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 401
        refused.value.close()
    finally:
        server.shutdown()
        server.server_close()
