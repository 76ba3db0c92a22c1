"""The claims area (``mock_server.domain.claims.backend``)."""

from mock_server.domain.claims.backend import Claims
from mock_server.domain.claims.records import CLAIM_STATES, MONITOR_STATES, ClaimStatus, ClaimType, MonitorStatus

__all__ = ["CLAIM_STATES", "MONITOR_STATES", "ClaimStatus", "ClaimType", "Claims", "MonitorStatus"]
