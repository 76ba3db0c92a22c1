"""Electronic prescriptions, v1, v1.1 and v2 (``contracts/openapi.yaml``, tag ``ehr``)."""

from mock_server.domain.prescriptions.backend import Prescriptions
from mock_server.domain.prescriptions.issuing import canonical_hash
from mock_server.domain.prescriptions.records import (
    ITEM_STATES,
    PRESCRIPTION_STATES,
    ItemStatus,
    Prescription,
    PrescriptionStatus,
    Version,
)

__all__ = [
    "ITEM_STATES",
    "PRESCRIPTION_STATES",
    "ItemStatus",
    "Prescription",
    "PrescriptionStatus",
    "Prescriptions",
    "Version",
    "canonical_hash",
]
