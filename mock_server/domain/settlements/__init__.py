"""The settlements area: settlement batches (Dominican Republic radicación, ``/v3/settlements``)."""

from mock_server.domain.settlements.backend import Settlements
from mock_server.domain.settlements.payloads import paid_payload, partially_accepted_payload, rejected_payload
from mock_server.domain.settlements.records import SETTLEMENT_STATES, SettlementOutcome, SettlementStatus

__all__ = [
    "SETTLEMENT_STATES",
    "SettlementOutcome",
    "SettlementStatus",
    "Settlements",
    "paid_payload",
    "partially_accepted_payload",
    "rejected_payload",
]
