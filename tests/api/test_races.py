"""Races through a served mock (uvicorn on loopback): exactly one of two racing operations acts."""

from __future__ import annotations

import base64
import threading

import pytest

from tests.support.flows import PDF, REQUESTS, schema_body
from tests.support.served import ServedMock

pytestmark = pytest.mark.served


def race(n, call):
    """Run ``call(i)`` in ``n`` threads released at once; their results in order."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_racing_completes_create_exactly_one_set_of_authorizations():
    with ServedMock() as mock, mock.client() as http:
        auth = mock.bearer(http)
        products = [{"product_code": "MED-042", "quantity": 30}, {"product_code": "LAB-HEMO", "quantity": 1}]
        created = http.post(REQUESTS, json=schema_body(products=products), headers=auth).json()
        document = {"document_type": "MEDICAL_INDICATION", "content_base64": base64.b64encode(PDF).decode()}
        assert http.post(f"{REQUESTS}/{created['id']}/indications", json=document, headers=auth).status_code == 201
        clients = [mock.client() for _ in range(2)]
        try:
            url = f"{REQUESTS}/{created['id']}/complete"
            responses = race(2, lambda i: clients[i].post(url, json={}, headers=auth))
        finally:
            for c in clients:
                c.close()
        assert [r.status_code for r in responses] == [200, 200]
        ids = [[a["id"] for a in r.json()["authorizations"]] for r in responses]
        assert ids[0] == ids[1] and len(ids[0]) == 2
        listed = http.get("/arc/v1/authorizations", headers=auth).json()
        assert listed["page"]["total_elements"] == 2
        ledger = mock.app.state.sandbox.ledger()
        assert len([e for e in ledger.events if e.event_type == "authorization.created"]) == 2
