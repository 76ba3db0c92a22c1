"""The dispensing area (``mock_server.domain.dispensing.backend``)."""

from mock_server.domain.dispensing.backend import Dispensing
from mock_server.domain.dispensing.payloads import CancellationReason
from mock_server.domain.dispensing.records import DISPENSATION_STATES, DispensationStatus, SubstitutionReason

__all__ = ["DISPENSATION_STATES", "CancellationReason", "DispensationStatus", "Dispensing", "SubstitutionReason"]
