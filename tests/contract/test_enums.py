"""The statuses and outcomes in code are the enums of the contract: one table, both ways.

Each row names where an enum lives in ``contracts/`` (a schema file and the path of keys down to the
property, or an operation's query parameter) and the StrEnum (or state machine) that the code uses
for it. A value added on one side only fails here.
"""

from __future__ import annotations

import pytest

from mock_server.core import contracts
from mock_server.domain.authorizations.records import (
    AUTHORIZATION_STATES,
    REQUEST_STATES,
    AuthorizationStatus,
    AuthorizationType,
    Decision,
    DocumentType,
    ForcedOutcome,
    LineDecision,
    LineStatus,
    RequestStatus,
    VoidedBy,
)
from mock_server.domain.claims.records import ClaimStatus
from mock_server.domain.codes import CodeType
from mock_server.domain.dispensing import CancellationReason
from mock_server.domain.events import EventType
from mock_server.domain.outbox import OutboxKind
from mock_server.domain.prescriptions.records import (
    PRESCRIPTION_STATES,
    ConsentMethod,
    EmailStatus,
    ItemStatus,
    PrescriptionStatus,
    Version,
)
from mock_server.domain.reference import (
    Behaviour,
    EvaluationMode,
    PaymentType,
    ProductType,
    ProviderKind,
    VerificationRule,
)
from mock_server.domain.settlements import SETTLEMENT_STATES, SettlementOutcome, SettlementStatus
from mock_server.domain.sponsors import PreauthorizationOutcome
from mock_server.domain.verification import CHALLENGE_OUTCOMES, ChallengeStatus, OtpChannel, VerificationKind
from mock_server.domain.webhooks import DELIVERY_STATES, DeliveryStatus

# (schema file, keys down to the enum) -> the values the code uses
SCHEMA_ENUMS = [
    ("authorization-request", ("status",), RequestStatus),
    ("authorization-request", ("diagnoses", "status"), LineDecision),
    ("authorization-request", ("products", "status"), LineDecision),
    ("authorization-request", ("products", "product_type"), ProductType),
    ("authorization", ("status",), AuthorizationStatus),
    ("authorization", ("voided_by",), VoidedBy),
    ("authorization", ("payment_type",), PaymentType),
    ("authorization", ("product_type",), ProductType),
    ("provider-authorization-abridged", ("status",), AuthorizationStatus),
    ("modified-product", ("new_status",), LineStatus),
    ("authorization-request-create", ("authorization_type",), AuthorizationType),
    ("indication-upload-request", ("document_type",), DocumentType),
    ("indication-document", ("document_type",), DocumentType),
    ("admin-decision-request", ("outcome",), Decision),
    ("admin-next-outcome-request", ("outcome",), ForcedOutcome),
    ("admin-explain", ("behaviour",), Behaviour),
    ("admin-explain", ("preauthorization", "outcome"), PreauthorizationOutcome),
    ("admin-explain", ("preauthorization", "evaluation_mode"), EvaluationMode),
    ("admin-world", ("personas", "behaviour"), Behaviour),
    ("fixture-personas", ("personas", "behaviour"), Behaviour),
    ("fixture-sponsors", ("sponsors", "product_types", "complete_authorization"), VerificationRule),
    ("fixture-sponsors", ("sponsors", "product_types", "dispense"), VerificationRule),
    ("admin-client", ("provider_kind",), ProviderKind),
    ("admin-challenge", ("kind",), VerificationKind),
    ("admin-challenge", ("status",), ChallengeStatus),
    ("admin-challenge-decision-request", ("outcome",), CHALLENGE_OUTCOMES),
    ("biometric-result", ("result",), CHALLENGE_OUTCOMES),
    ("otp-generate-request", ("channel",), OtpChannel),
    ("admin-outbox-item", ("kind",), OutboxKind),
    ("admin-delivery", ("status",), DeliveryStatus),
    ("admin-explain-code", ("code_type",), CodeType),
    ("admin-event-request", ("event_type",), EventType),
    ("webhook-event", ("event_type",), EventType),
    ("prescription", ("status",), PrescriptionStatus),
    ("prescription", ("version",), Version),
    ("prescription", ("simplified_treatment_items", "status"), ItemStatus),
    ("prescription", ("prescription_item_dispensation_logs", "status"), ItemStatus),
    ("prescription-v1-1-request", ("consent", "method"), ConsentMethod),
    ("admin-snapshot", ("codes", "code_type"), CodeType),
    ("prescription-email", ("status",), EmailStatus),
    ("webhook-event", ("$defs", "dispensing.cancelled", "reason"), CancellationReason),
    ("webhook-event", ("$defs", "dispensing.started", "code_type"), CodeType),
    ("webhook-event", ("$defs", "settlement.paid", "status"), SettlementOutcome),
    ("settlement", ("status",), SettlementStatus),
    ("settlement-authorization", ("claim_status",), ClaimStatus),
    ("admin-settlement-decision-request", ("outcome",), SettlementOutcome),
    ("admin-snapshot", ("verification_proofs", "biometric_result"), CHALLENGE_OUTCOMES),
]

# (operation id, query parameter) -> the values the route accepts
QUERY_ENUMS = [
    ("listAuthorizations", "status", AUTHORIZATION_STATES.states),
    ("adminListDeliveries", "status", DELIVERY_STATES.states),
    ("adminListOutbox", "kind", tuple(OutboxKind)),
]


def _enum_at(node: dict, keys: tuple[str, ...]) -> set:
    if keys[0] == "$defs":
        node, keys = node["$defs"][keys[1]], keys[2:]
    for key in keys:
        node = node.get("items", node) if "properties" not in node else node
        if "additionalProperties" in node and key not in node.get("properties", {}):
            node = node["additionalProperties"]
        node = node["properties"][key]
        node = node.get("items", node)
    values = node["enum"] if "enum" in node else next(n["enum"] for n in node["anyOf"] if "enum" in n)
    return {v for v in values if v is not None}


@pytest.mark.parametrize(("schema", "keys", "values"), SCHEMA_ENUMS, ids=lambda v: v if isinstance(v, str) else None)
def test_a_schema_enum_is_the_code_enum(schema, keys, values):
    assert _enum_at(contracts.schema(schema), keys) == {str(v) for v in values}


def _operation(operation_id: str) -> dict:
    for item in contracts.openapi_document()["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise KeyError(operation_id)


@pytest.mark.parametrize(("operation_id", "name", "values"), QUERY_ENUMS, ids=[q[0] for q in QUERY_ENUMS])
def test_a_status_filter_accepts_exactly_the_states_of_its_machine(operation_id, name, values):
    [parameter] = [p for p in _operation(operation_id)["parameters"] if p.get("name") == name]
    assert set(parameter["schema"]["enum"]) == set(values)


def test_item_statuses_and_line_statuses_are_product_resource_statuses():
    documented = _enum_at(contracts.schema("product-resource"), ("status",))
    assert {*LineStatus, *ItemStatus} <= documented


@pytest.mark.parametrize(
    "machine", [REQUEST_STATES, AUTHORIZATION_STATES, PRESCRIPTION_STATES, DELIVERY_STATES, SETTLEMENT_STATES]
)
def test_every_state_a_machine_reaches_is_an_enum_member(machine):
    assert machine.reachable() <= set(machine.enum)


@pytest.mark.parametrize("status", AUTHORIZATION_STATES.states)
def test_the_authorization_list_filters_by_every_status_of_the_machine(client, status):
    response = client.get(f"/arc/v1/authorizations?status={status}", headers=client.bearer("demo-clinic"))
    assert response.status_code == 200, response.text


def test_the_authorization_list_refuses_a_status_outside_the_machine(client):
    response = client.get("/arc/v1/authorizations?status=APPROVED", headers=client.bearer("demo-clinic"))
    body = response.json()
    assert (response.status_code, body["code"], [e["path"] for e in body["errors"]]) == (
        400,
        "MOCK-400-invalid-parameter",
        ["status"],
    )
