"""Property-based: schemathesis over every operation, every check on, against the selected target
(the app in process by default; see tests/contract/target.py).

The bar: zero server errors, zero schema violations, zero undocumented statuses. The configuration is
the committed ``schemathesis.toml`` (seed, examples, accepted statuses); credentials come from an auth
provider: in process it keeps a live token even while the fuzzer resets the tenant and moves its
clock; remotely it fetches one token up front and reuses it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.contract import target as targets

ROOT = Path(__file__).resolve().parents[2]
TARGET = targets.select()

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
        # A fresh client each time: the fuzzer may have reset the tenant, moved its clock or used up
        # a client's token budget; none of that is what this test is about.
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


@pytest.mark.skipif(TARGET.skip_reason is not None, reason=TARGET.skip_reason or "")
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_every_operation_conforms(case):
    case.call_and_validate()


# Stateful: scenarios follow the OpenAPI links of a workflow, every check on every step: the
# pre-authorization workflow (create a request, attach an indication, complete it, read it back, read its
# authorization, void it...) and the e-prescription one (issue, read, email, void). Each runs on a document
# holding only its workflow, so each step has a fair chance of following a link; the dictionaries in
# schemathesis.toml feed it the seeded world's values.
WORKFLOWS = {"pre-authorizations": "clinic-example", "ehr": "doctors-office-example"}


def _workflow_document(tag: str) -> dict:
    from mock_server.core.contracts import bundled_openapi

    document = bundled_openapi(include_admin=False)
    document["paths"] = {
        path: item
        for path, item in document["paths"].items()
        if any(tag in op.get("tags", []) for op in item.values() if isinstance(op, dict))
    }
    return document


def _workflow_machine(tag: str, provider_slug: str):
    app = create_app(Settings(frozen_clock=True))
    sandbox = app.state.sandbox
    workflow = schemathesis.openapi.from_dict(_workflow_document(tag), config=config)
    workflow.app = app
    client = sandbox.create_client("default", provider_slug)
    token: dict[str, str] = {}

    @workflow.auth(refresh_interval=None)  # no caching: each scenario has its own token
    class WorkflowCredentials:
        def get(self, case, context):
            return token["value"]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    class Workflow(workflow.as_state_machine()):
        def setup(self):
            # Every scenario starts from the seeded world with one fresh token, and nothing else draws
            # from the ledger's generator, so Hypothesis can replay a scenario exactly.
            sandbox.reset()
            token["value"] = sandbox.issue_token(client.client_id, client.client_secret, "client_credentials")[
                "access_token"
            ]

    return Workflow


if TARGET.kind == "inprocess":

    @pytest.mark.parametrize("tag", list(WORKFLOWS))
    def test_stateful_workflows_follow_the_links(tag):
        from schemathesis.generation.stateful import run_state_machine_as_test

        run_state_machine_as_test(
            _workflow_machine(tag, WORKFLOWS[tag]),
            settings=settings(
                max_examples=60,
                stateful_step_count=8,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            ),
        )
