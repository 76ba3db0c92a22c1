"""Which areas every tenant's ledger has: one registration line per area.

Order matters only for seeding (an area seeds after the areas it reads) and for the order of keys in
a snapshot. Adding an area is a new module and one line here (ARCHITECTURE.md, "Adding an area").
"""

from __future__ import annotations

from mock_server.domain.authorizations import Authorizations
from mock_server.domain.claims import Claims
from mock_server.domain.codes import Codes
from mock_server.domain.dispensing import Dispensing
from mock_server.domain.ledger import Area
from mock_server.domain.outbox import Outbox
from mock_server.domain.patients import Patients
from mock_server.domain.prescriptions import Prescriptions
from mock_server.domain.registrations import Registrations
from mock_server.domain.settlements import Settlements
from mock_server.domain.tokens import Tokens
from mock_server.domain.verification import Verification
from mock_server.domain.webhooks import Webhooks

__all__ = ["AREAS"]

AREAS: tuple[type[Area], ...] = (
    Tokens,
    Registrations,
    Webhooks,
    Codes,
    Outbox,
    Verification,
    Authorizations,
    Patients,
    Prescriptions,
    Dispensing,
    Claims,
    Settlements,
)
