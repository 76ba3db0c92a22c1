"""Property-based: schemathesis over every operation, every check on, against the selected target
(the app in process by default; see tests/contract/target.py).

The bar: zero server errors, zero schema violations, zero undocumented statuses, and valid data answered
with a success or one of the business errors its operation documents (schemathesis.toml's generated
sections). The configuration is the committed ``schemathesis.toml`` (seed, examples, accepted statuses).
Credentials come from an auth provider: in process it keeps a live token even while the fuzzer resets the
tenant and moves its clock; on a served mock it uses a tenant of its own, so the control plane the fuzzer
exercises (on the default tenant) never touches the fuzzer's token; on the sandbox it fetches one token
up front and reuses it.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import sys
from pathlib import Path

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mock_server.domain.prescriptions import canonical_hash
from tests.contract import target as targets

ROOT = Path(__file__).resolve().parents[2]
TARGET = targets.select()

# Hypothesis health checks suppressed, each by name and for its reason; the others stay on.
SUPPRESSED_HEALTH_CHECKS = {
    # Hypothesis measures a test case's wall time, and an HTTP call (in process or over loopback) is slow by
    # its standards; the generation itself is not what is slow.
    HealthCheck.too_slow: "an HTTP call per example is slow by Hypothesis' measure",
    # Request bodies with arrays of nested objects (prescriptions, pre-authorizations) are large examples.
    HealthCheck.data_too_large: "nested request bodies draw much data",
    HealthCheck.large_base_example: "nested request bodies draw much data",
    # schemathesis filters generated cases it cannot serialise (multipart, unusual strings).
    HealthCheck.filter_too_much: "schemathesis filters cases it cannot send",
}
QUIET = list(SUPPRESSED_HEALTH_CHECKS)

# schemathesis.toml reads credentials from the environment (for `st run`); the auth provider below
# supplies the real ones, so placeholders are enough to load it.
for name in ("OSIGU_CLIENT_ID", "OSIGU_CLIENT_SECRET", "OSIGU_ACCESS_TOKEN"):
    os.environ.setdefault(name, "supplied-by-the-auth-provider")
config = schemathesis.Config.from_path(str(ROOT / "schemathesis.toml"))

if TARGET.kind == "inprocess":
    from mock_server.app import create_app
    from mock_server.settings import Settings

    app = create_app(Settings())
    sandbox = app.state.sandbox
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

    def bearer_token() -> str:
        # A fresh client each time: the fuzzer may have moved the tenant's clock past a token's exp or used
        # up a client's token budget; none of that is what this test is about.
        client = sandbox.create_client("default", "clinic-example")
        return sandbox.issue_token(client.client_id, client.client_secret, "client_credentials")["access_token"]
else:
    schema = schemathesis.openapi.from_path(targets.contract_file(), config=config)
    schema.config.update(base_url=TARGET.base_url, rate_limit="50/m" if TARGET.kind == "sandbox" else None)
    if TARGET.excluded_tags:
        schema = schema.exclude(tag=TARGET.excluded_tags)
    tokens = targets.RemoteTokens(TARGET)
    if TARGET.skip_reason is None:
        tokens.get()  # before the fuzzer spends this client's token budget on the token endpoint

    def bearer_token() -> str:
        return tokens.get()


@schema.auth()
class Credentials:
    """Basic credentials for the token endpoint, a live bearer token for everything else."""

    def get(self, case, context):
        return "supplied"  # schemathesis calls set() only when get() returns something

    def set(self, case, data, context):
        security = case.operation.definition.raw.get("security", [])
        if any("basicAuth" in requirement for requirement in security):
            case.headers = {**(case.headers or {}), "Authorization": TARGET.basic()}
        elif any("bearerAuth" in requirement for requirement in security):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {bearer_token()}"}


CASES: collections.Counter = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def _figures():
    """Print how many cases the stateless run sent, per operation (shown with -s)."""
    yield
    if CASES:
        print(f"\nstateless: {sum(CASES.values())} cases over {len(CASES)} operations", file=sys.stderr)


# Examples per operation: schemathesis.toml's max-examples, or OSIGU_FUZZ_EXAMPLES (the CI's served leg runs
# fewer over HTTP: the same app was fuzzed in process at full depth just before; it proves the remote mode).
EXAMPLES = int(os.environ.get("OSIGU_FUZZ_EXAMPLES") or 0) or None
EXAMPLE_SETTINGS = {"max_examples": EXAMPLES} if EXAMPLES else {}


@pytest.mark.skipif(TARGET.skip_reason is not None, reason=TARGET.skip_reason or "")
@schema.parametrize()
@settings(suppress_health_check=QUIET, deadline=None, **EXAMPLE_SETTINGS)
def test_every_operation_conforms(case):
    CASES[case.operation.label] += 1
    try:
        case.call_and_validate()
    finally:
        if case.operation.label == "POST /__admin/faults":
            clear_faults()


def clear_faults() -> None:
    """A fault rule the fuzzer added must not outlive its case: it would fail the operations fuzzed after it on
    purpose (the default tenant's; a generated tenant name names no tenant)."""
    if TARGET.kind == "inprocess":
        sandbox.ledger().faults.clear()
    else:
        httpx2.delete(f"{TARGET.base_url}/__admin/faults", timeout=30)


# -- stateful ----------------------------------------------------------------------------------------
# Scenarios follow the OpenAPI links of a workflow, every check on every step: the pre-authorization
# workflow (create a request, attach an indication, complete it, read it back, read its authorization...)
# and the e-prescription one (create a patient, issue, read, email, void). Each runs on a document holding
# only its workflow, so each step has a fair chance of following a link; the dictionaries in
# schemathesis.toml feed it the seeded world's values. Every documented link must be followed at least once.
# The redemption workflow is the pharmacy's: each scenario starts with a code the clinic issued (MARIA
# GONZALEZ's MED-042 authorization, made over HTTP after the reset), which the pharmacy scans into its start,
# then start -> complete -> the generated claim, and the dispensation's other links. The settlement workflow
# is the Dominican pharmacy's: each scenario starts with one of its claims on sponsor-sandbox-do (the clinic's
# authorization, redeemed there over HTTP), which its batch starts and attaches, then complete and read.
WORKFLOWS = {
    "pre-authorizations": ("clinic-example", ("pre-authorizations",), ()),
    "ehr": ("doctors-office-example", ("ehr",), ()),
    "redemption": ("pharmacy-example", ("dispensing",), ("getClaim",)),
    "settlements": ("farmacia-santo-domingo", ("settlements",), ()),
}
# schemathesis decides with true randomness whether a step follows a link, so a run goes on, a batch of
# scenarios at a time, until every documented link has been followed, up to a cap.
BATCH = 10
MAX_SCENARIOS = 1000
TRANSITION = re.compile(r"^(?P<source>.+?) -> \[(?P<status>\d+)\] (?P<link>\w+?)(?:_\d+)? -> (?P<target>.+)$")


def _workflow_document(name: str) -> dict:
    """The operations of one workflow (its tags, and the extra operations it names) that its links join (a
    link's source or target), and nothing else, so that each step has a fair chance of following a link.
    Links to operations outside the workflow are dropped."""
    from mock_server.core.contracts import bundled_openapi

    _, tags, extra = WORKFLOWS[name]
    document = bundled_openapi(include_admin=False)

    def included(op) -> bool:
        return isinstance(op, dict) and (bool(set(tags) & set(op.get("tags", []))) or op.get("operationId") in extra)

    tagged = {path: item for path, item in document["paths"].items() if any(included(op) for op in item.values())}
    tagged = {
        path: {m: op for m, op in item.items() if not isinstance(op, dict) or included(op)}
        for path, item in tagged.items()
    }
    present = {op["operationId"] for item in tagged.values() for op in item.values() if isinstance(op, dict)}
    for item in tagged.values():
        for op in item.values():
            for response in op.get("responses", {}).values() if isinstance(op, dict) else ():
                if response.get("links"):
                    response["links"] = {k: v for k, v in response["links"].items() if v["operationId"] in present}
    linked = {target for _, _, target in _links(tagged)} | {source for source, _, _ in _links(tagged)}
    document["paths"] = {}
    for path, item in tagged.items():
        kept = {m: op for m, op in item.items() if not isinstance(op, dict) or op.get("operationId") in linked}
        if any(isinstance(op, dict) for op in kept.values()):
            document["paths"][path] = kept
    return document


def _links(paths: dict) -> list[tuple[str, str, str]]:
    """``(source operation id, link name, target operation id)`` of every link in ``paths``."""
    found = []
    for item in paths.values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                for name, link in (response.get("links") or {}).items():
                    found.append((operation["operationId"], name, link["operationId"]))
    return found


def documented_links(document: dict) -> set[tuple[str, str]]:
    """``(source operation, link name)`` of every link the workflow's document declares."""
    links = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                links |= {(f"{method.upper()} {path}", name) for name in response.get("links") or {}}
    return links


class Fixture:
    """Where a workflow's scenarios run, and how each starts from the seeded world with a live token."""

    def __init__(self, provider_slug: str) -> None:
        if TARGET.kind == "inprocess":
            self.app = create_app(Settings(frozen_clock=True))
            sandbox = self.app.state.sandbox
            client = sandbox.create_client("default", provider_slug)
            self._reset = sandbox.reset
            self.token = sandbox.issue_token(client.client_id, client.client_secret, "client_credentials")[
                "access_token"
            ]
            return
        self.app = None
        admin = httpx2.Client(base_url=TARGET.base_url, timeout=30)
        tenant = admin.post("/__admin/tenants", json={}).raise_for_status().json()
        self.tenant_clients = tenant["clients"]
        client = next(c for c in tenant["clients"] if c["provider_slug"] == provider_slug)
        header = {"X-Osigu-Mock-Tenant": tenant["tenant_id"]}
        self._reset = lambda: admin.post("/__admin/reset", headers=header).raise_for_status()
        self.token = (
            admin.post(
                "/v1/oauth/token",
                auth=(client["client_id"], client["client_secret"]),
                data={"grant_type": "client_credentials"},
            )
            .raise_for_status()
            .json()["access_token"]
        )

    def reset(self) -> None:
        self._reset()  # the token survives a reset (only ?everything=true revokes it)

    def issue_code(self) -> str:
        """The clinic issues an authorization over HTTP (in this tenant) and hands its code over."""
        from tests.support.redeeming import authorize

        with self._clinic() as (http, clinic):
            return authorize(http, clinic)["code"]

    def redeem_for_settlement(self) -> dict:
        """The clinic's sponsor-sandbox-do authorization, redeemed over HTTP by this fixture's provider: the
        authorization id and the period its claim belongs to."""
        from tests.support.settling import redeem

        with self._clinic() as (http, clinic):
            done = redeem(http, clinic, {"Authorization": f"Bearer {self.token}"}, 2)
            return {"authorization_id": done["authorization_id"], "period": done["completed_at"][:7]}

    @contextlib.contextmanager
    def _clinic(self):
        """An HTTP client on this fixture's tenant and the clinic's bearer header."""
        from starlette.testclient import TestClient

        if self.app is not None:
            sandbox = self.app.state.sandbox
            clinic = sandbox.create_client("default", "clinic-example")
            token = sandbox.issue_token(clinic.client_id, clinic.client_secret, "client_credentials")["access_token"]
            with TestClient(self.app) as http:
                yield http, {"Authorization": f"Bearer {token}"}
            return
        with httpx2.Client(base_url=TARGET.base_url, timeout=30) as http:
            clinic = next(c for c in self.tenant_clients if c["provider_slug"] == "clinic-example")
            token = http.post(
                "/v1/oauth/token",
                auth=(clinic["client_id"], clinic["client_secret"]),
                data={"grant_type": "client_credentials"},
            ).json()["access_token"]
            yield http, {"Authorization": f"Bearer {token}"}


def _workflow_machine(tag: str, provider_slug: str, followed: collections.Counter):
    fixture = Fixture(provider_slug)
    scanned: dict[str, str] = {}
    workflow = schemathesis.openapi.from_dict(_workflow_document(tag), config=config)
    if fixture.app is not None:
        workflow.app = fixture.app
    else:
        workflow.config.update(base_url=TARGET.base_url)

    @workflow.auth(refresh_interval=None)
    class WorkflowCredentials:
        def get(self, case, context):
            return fixture.token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    class Workflow(workflow.as_state_machine()):
        def setup(self):
            # Every scenario starts from the seeded world, and nothing else draws from the ledger's
            # generator, so Hypothesis can replay a scenario exactly.
            fixture.reset()
            if tag == "redemption":
                scanned["code"] = fixture.issue_code()
            if tag == "settlements":
                scanned.update(fixture.redeem_for_settlement())

        def before_call(self, case):
            # The pharmacy scans the code the patient brings.
            if case.operation.label == "POST /dispensing/v1/dispensations" and isinstance(case.body, dict):
                drawn = str(case.body.get("code", ""))
                if scanned and len(drawn) % 10:  # nine times in ten, decided by the drawn data (replayable)
                    case.body["code"] = scanned["code"]
            # The Dominican pharmacy batches its own sponsor and period, and attaches its redeemed authorization.
            if case.operation.label == "POST /v3/settlements" and isinstance(case.body, dict) and "period" in scanned:
                if len(str(case.body.get("period", ""))) % 10:
                    case.body.update(sponsor_slug="sponsor-sandbox-do", period=scanned["period"])
            attaching = case.operation.label == "POST /v3/settlements/{settlement_id}/authorizations"
            if attaching and isinstance(case.body, dict) and "authorization_id" in scanned:
                if len(str(case.body.get("authorization_ids", ""))) % 10:
                    case.body["authorization_ids"] = [scanned["authorization_id"]]
            # A v2 prescription carries the SHA-256 of its own signed content: sign what the fuzzer drew,
            # as a real client would (contracts/openapi.yaml, createPrescriptionV2).
            if case.operation.label == "POST /ehr/v2/prescriptions" and isinstance(case.body, dict):
                signature = case.body.get("signature")
                if isinstance(signature, dict):
                    try:
                        signature["hash"] = canonical_hash(case.body)
                    except Exception:  # no canonical form (an int beyond 2^53): the mock must say 422
                        pass
            super().before_call(case)

        def step(self, input):
            output = super().step(input)
            transition = input.transition
            # A link counts as followed when it was applied and its target answered a success: a workflow
            # whose links lead only to refusals proves nothing about the workflow.
            if transition is not None and not transition.is_inferred and input.is_applied:
                match = TRANSITION.match(transition.id)
                if match and 200 <= output.response.status_code < 300:
                    followed[(match["source"], match["link"])] += 1
            return output

    return Workflow


@pytest.mark.skipif(TARGET.kind == "sandbox", reason="the workflows reset the tenant: mock only")
@pytest.mark.parametrize("tag", list(WORKFLOWS))
def test_stateful_workflows_follow_every_documented_link(tag, capsys):
    from schemathesis.generation.stateful import run_state_machine_as_test

    followed: collections.Counter = collections.Counter()
    links = documented_links(_workflow_document(tag))
    machine = _workflow_machine(tag, WORKFLOWS[tag][0], followed)
    scenarios = 0
    while links - set(followed) and scenarios < MAX_SCENARIOS:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=BATCH,
                stateful_step_count=10,
                deadline=None,
                suppress_health_check=QUIET,
                derandomize=False,  # each batch explores anew (a fixed seed would replay the same scenarios)
                database=None,
            ),
        )
        scenarios += BATCH
    with capsys.disabled():
        print(
            f"\n{tag}: {scenarios} scenarios, {len(set(followed) & links)}/{len(links)} documented links followed, "
            f"{sum(followed.values())} link steps"
        )
    assert links - set(followed) == set(), f"links never followed: {sorted(links - set(followed))}"
