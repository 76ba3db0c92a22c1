"""``GET /__admin/explain``: what will happen, before any call (``contracts/schemas/admin-explain.schema.json``,
``admin-explain-code.schema.json``).

For a beneficiary: the persona's behaviour and what its pre-authorizations will do, with the outcome
forced for its next request, if any. For a code: whichever kind it is (one lookup,
``mock_server.domain.codes``), whether redeeming it would work now.
"""

from __future__ import annotations

from typing import Any

from mock_server.domain import sponsors
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.codes import Codes, CodeType
from mock_server.domain.ledger import Ledger
from mock_server.domain.prescriptions import Prescriptions

__all__ = ["beneficiary", "code"]


def beneficiary(ledger: Ledger, beneficiary_id: int) -> dict[str, Any]:
    explained = sponsors.explain(ledger.world, beneficiary_id, ledger.today())
    explained["next_outcome"] = ledger.area(Authorizations).next_outcome_of(beneficiary_id)
    return explained


def code(ledger: Ledger, value: str) -> dict[str, Any]:
    code_type, record_id = ledger.area(Codes).lookup(value)
    if code_type == CodeType.PRESCRIPTION:
        return ledger.area(Prescriptions).explain(record_id)
    return ledger.area(Authorizations).explain(record_id)
