"""How the kit runs flows and what it trusts a target with: a step's status from what it needs and what came
before it, and the connection's verdict on whether a target is the mock (and so may be written to), with one
throttle for every session of a run. Stub steps and a fake target stand in for a server."""

from __future__ import annotations

import httpx2

from mock_server.kit.connection import ADMIN, CLOCK, WRITES, Connection
from mock_server.kit.flows import BENEFICIARY, Flow, Step, StepFailed, run_flows
from mock_server.kit.target import select_target

CREDENTIALS = {"OSIGU_CLIENT_ID": "acme", "OSIGU_CLIENT_SECRET": "s3cret"}


class FakeTarget:
    """Answers /healthz as the mock (or not), /__admin/world with 200 (or 404), and counts everything else."""

    def __init__(self, *, mock: bool, admin: bool = True) -> None:
        self.mock, self.admin = mock, admin
        self.requests: list[str] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        self.requests.append(path)
        if path == "/healthz":
            return httpx2.Response(200, json={"status": "ok", **({"service": "osigu-mock"} if self.mock else {})})
        if path == "/__admin/world":
            return httpx2.Response(200 if self.admin else 404, json={})
        if path == "/__admin/tenants":
            return httpx2.Response(404, json={})
        if path == "/v1/oauth/token":
            return httpx2.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx2.Response(200, json={})


def opened(target, fake: FakeTarget, slept: list[float] | None = None) -> Connection:
    client = httpx2.Client(base_url=target.base_url or "http://fake", transport=httpx2.MockTransport(fake))
    sleep = slept.append if slept is not None else (lambda seconds: None)
    return Connection(target, client=client, sleep=sleep).open()


def test_a_sandbox_that_answers_like_the_mock_is_still_not_trusted_as_the_mock():
    env = {**CREDENTIALS, "OSIGU_BASE_URL": "http://127.0.0.1:9"}
    conn = opened(select_target("sandbox", env=env), FakeTarget(mock=True))
    assert conn.is_mock is False and not conn.has(WRITES) and not conn.has(ADMIN)


def test_a_url_that_says_it_is_the_mock_gets_writes_and_its_control_plane():
    conn = opened(select_target("http://127.0.0.1:9", env={}), FakeTarget(mock=True))
    assert conn.is_mock and conn.has(WRITES) and conn.has(ADMIN) and conn.has(CLOCK)


def test_a_server_that_is_not_the_mock_gets_writes_only_when_allowed():
    assert not opened(select_target("http://127.0.0.1:9", env={}), FakeTarget(mock=False)).has(WRITES)
    allowed = opened(select_target("http://127.0.0.1:9", allow_writes=True, env={}), FakeTarget(mock=False))
    assert allowed.has(WRITES) and not allowed.has(ADMIN)


def test_every_session_of_a_run_against_a_real_target_shares_one_budget_of_fifty_a_minute():
    slept: list[float] = []
    fake = FakeTarget(mock=False)
    conn = opened(select_target("http://127.0.0.1:9", env={}), fake, slept)
    for index in range(25):
        conn.session("clinic").request("GET", f"/a/{index}")  # (the token first: one request more)
        conn.public("GET", "/healthz")
    # /healthz at opening, the token, 50 calls: the 51st and 52nd requests each wait for a minute to pass.
    assert len(fake.requests) == 52 and len(slept) == 2 and min(slept) > 59


def test_the_mock_is_not_throttled():
    slept: list[float] = []
    conn = opened(select_target("http://127.0.0.1:9", env={}), FakeTarget(mock=True), slept)
    for index in range(60):
        conn.session("clinic").request("GET", f"/a/{index}")
    assert slept == []


def stub_connection(*, capabilities: set[str], beneficiary: bool = True, mock: bool = True) -> Connection:
    target = select_target("inprocess" if beneficiary else "sandbox", env=CREDENTIALS)
    conn = Connection(target)
    conn.capabilities, conn.is_mock = set(capabilities), mock
    return conn


def step(name: str, ran: list[str], needs: tuple[str, ...] = (), fail: bool = False) -> Step:
    def run(_):
        ran.append(name)
        if fail:
            raise StepFailed(f"{name} broke")

    return Step(name, run, needs)


def test_after_a_failed_step_the_rest_of_its_flow_is_skipped_and_never_run():
    ran: list[str] = []
    flow = Flow("f", (step("a", ran, fail=True), step("b", ran), step("c", ran)))
    other = Flow("g", (step("d", ran),))
    checks = run_flows(stub_connection(capabilities={WRITES}), (flow, other))
    assert [(c.step, c.status) for c in checks] == [
        ("a", "failed"),
        ("b", "skipped"),
        ("c", "skipped"),
        ("d", "passed"),
    ]
    assert ran == ["a", "d"] and "a" in checks[1].detail and checks[0].detail == "a broke"


def test_a_step_needing_what_only_the_mock_offers_is_mock_only_and_so_is_what_builds_on_it():
    ran: list[str] = []
    flow = Flow("f", (step("a", ran), step("b", ran, (ADMIN,)), step("c", ran)))
    checks = run_flows(stub_connection(capabilities={WRITES}), (flow,))
    assert [c.status for c in checks] == ["passed", "mock-only", "mock-only"] and ran == ["a"]
    assert "admin plane" in checks[1].detail


def test_a_step_needing_writes_the_target_was_not_given_is_mock_only_with_the_flag_to_pass():
    ran: list[str] = []
    checks = run_flows(stub_connection(capabilities=set(), mock=False), (Flow("f", (step("a", ran, (WRITES,)),)),))
    assert [c.status for c in checks] == ["mock-only"] and "--allow-writes" in checks[0].detail and ran == []


def test_a_step_needing_a_test_beneficiary_nobody_gave_is_skipped_with_the_variables_to_set():
    ran: list[str] = []
    conn = stub_connection(capabilities={WRITES}, beneficiary=False, mock=False)
    checks = run_flows(conn, (Flow("f", (step("a", ran, (BENEFICIARY,)), step("b", ran))),))
    assert [c.status for c in checks] == ["skipped", "skipped"] and ran == []
    assert "OSIGU_TEST_SPONSOR_SLUG" in checks[0].detail


def test_the_stateful_fuzzer_starts_each_scenario_on_a_freshly_reset_tenant_with_a_new_token():
    from mock_server.inprocess import inprocess_client
    from mock_server.kit.fuzz import _resetter

    with inprocess_client() as client:
        conn = Connection(select_target("inprocess"), client=client).open()
        clinic = conn.session("clinic")
        body = {
            "beneficiary_id": 1000001,
            "sponsor_slug": "sponsor-sandbox",
            "diagnosis_code": "R51",
            "products": [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 1}],
        }
        made = clinic.request("POST", "/arc/v1/authorization-requests", json=body).json()["id"]
        old_token = clinic.token()
        reset = _resetter(conn)
        assert reset is not None
        reset()
        assert clinic._token is None  # forgotten with the tenant's tokens: the next call fetches one
        assert clinic.request("GET", f"/arc/v1/authorization-requests/{made}").status_code == 404
        assert clinic.token() != old_token
        # the same request after the reset meets the same seeded world, so it gets the same id again
        assert clinic.request("POST", "/arc/v1/authorization-requests", json=body).json()["id"] == made
    without = opened(select_target("http://127.0.0.1:9", env={}), FakeTarget(mock=True, admin=False))
    assert _resetter(without) is None
