"""The pre-authorizations area: one tenant's authorization requests and authorizations.

The backend holds the records, their indexes and the state that outlives one request (benefit usage,
outcomes forced for a beneficiary's next request); its methods are the area's operations, named after
the API's, each one call into the module that owns the rule:

- ``intake``: initiate and indications;
- ``evaluation``: complete, the sponsor's evaluation and its later decisions;
- ``lifecycle``: expiry, voids and sponsor updates;
- ``views``: what the records look like on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.core.errors import ApiError
from mock_server.domain.authorizations import evaluation, intake, lifecycle, redemption, views
from mock_server.domain.authorizations.records import (
    Authorization,
    AuthorizationRequest,
    Decision,
    Document,
    Forced,
    ForcedOutcome,
)
from mock_server.domain.ledger import Area, TimerHandler
from mock_server.domain.tokens import Principal
from mock_server.domain.verification import Verification

__all__ = ["Authorizations"]


class Authorizations(Area):
    name = "authorizations"
    tables = {
        "authorization_requests": ("requests", AuthorizationRequest, "id"),
        "authorizations": ("authorizations", Authorization, "id"),
    }

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.requests: dict[int, AuthorizationRequest] = {}
        self.authorizations: dict[int, Authorization] = {}
        # Units used per beneficiary, plan, product type and month (``benefits``).
        self.benefit_usage: dict[str, int] = {}
        # One-shot outcomes forced by the admin plane, by beneficiary.
        self.next_outcomes: dict[int, Forced] = {}

    def timers(self) -> Mapping[str, TimerHandler]:
        return {
            lifecycle.EXPIRE: lambda payload: lifecycle.expire(self, payload),
            evaluation.SPONSOR_DECISION: lambda payload: evaluation.sponsor_decision(self, payload),
        }

    def export(self) -> dict[str, Any]:
        return {
            **super().export(),
            "benefit_usage": dict(self.benefit_usage),
            "next_outcomes": [
                {"beneficiary_id": b, "outcome": forced.as_payload()} for b, forced in self.next_outcomes.items()
            ],
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        super().restore(snapshot)
        self.benefit_usage = dict(snapshot.get("benefit_usage", {}))
        self.next_outcomes = {
            item["beneficiary_id"]: Forced.from_payload(item["outcome"]) for item in snapshot.get("next_outcomes", [])
        }

    # -- lookups: a record another provider made is as good as absent (404) ----------------------
    def request_of(self, provider_slug: str | None, request_id: int) -> AuthorizationRequest:
        """The request, if this provider made it (None: the admin plane sees every request)."""
        request = self.requests.get(request_id)
        if request is None or (provider_slug is not None and request.provider_slug != provider_slug):
            raise ApiError("MOCK-404-authorization-request-not-found", f"No authorization request {request_id}.")
        return request

    def authorization_of(self, provider_slug: str | None, authorization_id: int) -> Authorization:
        authorization = self.authorizations.get(authorization_id)
        if authorization is None or (provider_slug is not None and authorization.provider_slug != provider_slug):
            raise ApiError("MOCK-404-authorization-not-found", f"No authorization {authorization_id}.")
        return authorization

    # -- operations -----------------------------------------------------------------------------
    def initiate(
        self, principal: Principal, body: dict[str, Any], *, strict: bool
    ) -> tuple[AuthorizationRequest, list[str]]:
        return intake.initiate(self, principal, body, strict=strict)

    def attach_indication(
        self,
        provider_slug: str,
        request_id: int,
        document_type: str,
        file_name: str,
        content: bytes,
        content_field: str = "file",
    ) -> Document:
        return intake.attach_indication(
            self, provider_slug, request_id, document_type, file_name, content, content_field
        )

    def complete(self, provider_slug: str, request_id: int, body: dict[str, Any]) -> AuthorizationRequest:
        return evaluation.complete(self, provider_slug, request_id, body)

    def read_biometric(self, provider_slug: str, request_id: int, reading_type: str, reading: str) -> dict[str, Any]:
        request = self.request_of(provider_slug, request_id)
        return self.ledger.area(Verification).read_biometric(request.id, reading_type, reading)

    def decide(self, request_id: int, outcome: Decision, reason: str | None) -> AuthorizationRequest:
        return evaluation.decide(self, request_id, outcome, reason)

    def force_next_outcome(self, beneficiary_id: int, outcome: ForcedOutcome, reason: str | None) -> dict[str, Any]:
        if self.world.beneficiary(beneficiary_id) is None:
            raise ApiError("MOCK-404-beneficiary-not-found", f"No beneficiary {beneficiary_id}.")
        forced = Forced(ForcedOutcome(outcome), reason)
        self.next_outcomes[beneficiary_id] = forced
        return {"beneficiary_id": beneficiary_id, "next_outcome": forced.outcome, "reason": reason}

    def next_outcome_of(self, beneficiary_id: int) -> ForcedOutcome | None:
        forced = self.next_outcomes.get(beneficiary_id)
        return forced.outcome if forced else None

    def void(self, provider_slug: str, authorization_id: int, reason: str | None) -> Authorization:
        return lifecycle.void(self, provider_slug, authorization_id, reason)

    def sponsor_update(self, authorization_id: int, body: dict[str, Any]) -> Authorization:
        return lifecycle.sponsor_update(self, authorization_id, body)

    def list_authorizations(
        self, provider_slug: str, *, status: str | None, sponsor_slug: str | None, beneficiary_id: int | None
    ) -> list[dict[str, Any]]:
        """This provider's authorizations, abridged, newest first."""
        return [
            views.abridged_view(self, a)
            for a in reversed(self.authorizations.values())
            if a.provider_slug == provider_slug
            and (status is None or a.status == status)
            and (sponsor_slug is None or a.sponsor_slug == sponsor_slug)
            and (beneficiary_id is None or a.beneficiary_id == beneficiary_id)
        ]

    # -- redemption (the dispensing and claims areas call these) --------------------------------
    def check_redeemable(self, authorization: Authorization, *, held_by: int | None = None) -> None:
        redemption.check_redeemable(self, authorization, held_by=held_by)

    def lock(self, authorization: Authorization, dispensation_id: int) -> None:
        redemption.lock(self, authorization, dispensation_id)

    def unlock(self, authorization: Authorization, dispensation_id: int) -> None:
        redemption.unlock(authorization, dispensation_id)

    def claim(self, authorization: Authorization, taken: dict[int, int]) -> None:
        redemption.claim(self, authorization, taken)

    def unclaim(self, authorization: Authorization, given_back: dict[int, int]) -> None:
        redemption.unclaim(self, authorization, given_back)

    def pay(self, authorization: Authorization) -> bool:
        paid = redemption.pay(authorization)
        if paid:
            authorization.updated_at = self.clock.timestamp()
        return paid

    # -- views ----------------------------------------------------------------------------------
    def request_view(self, request: AuthorizationRequest) -> dict[str, Any]:
        return views.request_view(self, request)

    def authorization_view(self, authorization: Authorization) -> dict[str, Any]:
        return views.authorization_view(self, authorization)

    def explain(self, authorization_id: int) -> dict[str, Any]:
        return views.explain(self, self.authorizations[authorization_id])
