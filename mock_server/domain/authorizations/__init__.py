"""Pre-authorizations: the request a provider submits and the authorizations a sponsor grants
(``contracts/openapi.yaml``, tag ``pre-authorizations``)."""

from mock_server.domain.authorizations.backend import Authorizations
from mock_server.domain.authorizations.records import (
    AUTHORIZATION_STATES,
    REQUEST_STATES,
    Authorization,
    AuthorizationRequest,
    AuthorizationStatus,
    Decision,
    ForcedOutcome,
    LineDecision,
    LineStatus,
    RequestStatus,
)

__all__ = [
    "AUTHORIZATION_STATES",
    "REQUEST_STATES",
    "Authorization",
    "AuthorizationRequest",
    "AuthorizationStatus",
    "Authorizations",
    "Decision",
    "ForcedOutcome",
    "LineDecision",
    "LineStatus",
    "RequestStatus",
]
