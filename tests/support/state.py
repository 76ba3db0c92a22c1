"""What a tenant's state looks like, to prove that bad input changed nothing: its snapshot (the
export time left out), its event log and the OAuth clients; and the code of a refused domain call."""

from __future__ import annotations

import pytest

from mock_server.core.errors import ApiError


def fingerprint(sandbox, tenant_id: str = "default") -> dict:
    snapshot = sandbox.export_snapshot(tenant_id)
    snapshot.pop("exported_at")
    return {
        "snapshot": snapshot,
        "events": [e.as_dict() for e in sandbox.ledger(tenant_id).events],
        "clients": sorted((c.client_id, c.tenant_id, c.scope) for c in sandbox.clients.values()),
    }


def code_of(call) -> str:
    """The catalogue code of the ApiError ``call()`` raises (it must raise one)."""
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.code
