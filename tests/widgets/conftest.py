"""Browser tests of the two widgets: Debian's ``chromium`` driven by Playwright for Python (no browser download).

Each test gets a fresh tenant on a mock served on loopback (``osigu_mock_server``) and a host page on another
origin (``http://localhost:<another port>``, a tiny server of this module's): the widgets run as they do in an
integrator's page, cross-origin, with the token the test's tenant issued. Screenshots of each step, in
both themes, go to ``artifacts/widgets/<test>/`` (``OSIGU_ARTIFACTS`` moves it).

Without a Chromium the tests skip, unless ``OSIGU_REQUIRE_BROWSER=1`` (as ``.ci/run`` sets): then they fail.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("OSIGU_ARTIFACTS", ROOT / "artifacts")) / "widgets"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>integrator's page</title>
<script>window.__config = __CONFIG__;</script>
<script src="__MOCK__/widgets/v1/loader.js"></script></head>
<body style="margin:0;padding:8px"><div id="host"></div>
<script>
  window.__events = [];
  function record(name) {
    return function (value) {
      window.__events.push({name: name, value: value === undefined ? null : JSON.parse(JSON.stringify(value))});
    };
  }
  var cfg = window.__config;
  var options = Object.assign({container: '#host', getToken: function () {
    window.__tokenCalls = (window.__tokenCalls || 0) + 1;
    return Promise.resolve(cfg.token);
  }}, cfg.options);
  options.onReady = record('ready');
  options.onComplete = record('complete');
  options.onClose = record('close');
  options.onError = function (e) {
    record('error')({code: e.code, status: e.status, message: e.message, errors: e.errors});
  };
  options.hooks = {onStepChange: record('step')};
  if (cfg.beforeSubmit === 'cancel') options.hooks.beforeSubmit = function () { return false; };
  if (cfg.beforeSubmit === 'triple') {
    // A new object, later: the widget must send what the hook resolves to, not its own payload.
    options.hooks.beforeSubmit = function (payload) {
      var changed = JSON.parse(JSON.stringify(payload));
      changed.products.forEach(function (p) { p.quantity = 3; });
      return new Promise(function (resolve) { setTimeout(function () { resolve(changed); }, 50); });
    };
  }
  if (cfg.decorate) {
    options.hooks.decorateSearchResult = function (b) { return 'VIP member ' + b.beneficiary_id; };
  }
  if (cfg.beforeIssue === 'cancel') options.hooks.beforeIssue = function () { return false; };
  window.osiguReady.then(function () {
    window.__handle = (cfg.widget === 'preauth' ? OsiguPreAuth : OsiguPrescription).mount(options);
  });
</script></body></html>
"""


def chromium_path() -> str | None:
    for candidate in (os.environ.get("OSIGU_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


class HostPages:
    """The integrators' pages: ``publish(html)`` gives a URL on this server's origin that answers it."""

    def __init__(self) -> None:
        pages = self.pages = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                path = self.path.split("?", 1)[0]
                body = pages.get(path)
                self.send_response(200 if body else 204 if path == "/favicon.ico" else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        self._ids = itertools.count(1)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, html: str) -> str:
        path = f"/app/{next(self._ids)}"
        self.pages[path] = html.encode("utf-8")
        return self.origin + path


@pytest.fixture(scope="session")
def host_pages() -> Iterator[HostPages]:
    pages = HostPages()
    yield pages
    pages.server.shutdown()
    pages.server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    required = os.environ.get("OSIGU_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        if required:
            raise
        pytest.skip("Playwright for Python is not installed")
    if executable is None:
        if required:
            pytest.fail("OSIGU_REQUIRE_BROWSER=1 but no Chromium: install Debian's chromium or set OSIGU_CHROMIUM")
        pytest.skip("no Chromium here (apt-get install chromium, or OSIGU_CHROMIUM=/path)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class WidgetHost:
    """One integrator's page with one widget mounted, and what the test needs to drive and observe it."""

    def __init__(self, page, mock, pages: HostPages, name: str) -> None:
        self.page, self.mock, self.pages, self.name = page, mock, pages, name
        self.taken = 0  # screenshots so far, numbering the next
        self.console_errors: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def mount(self, widget: str, role: str, *, token: str | None = None, **config: Any) -> None:
        config = {"widget": widget, "token": token or self.token(role), "options": config.pop("options", {}), **config}
        html = HOST_PAGE.replace("__CONFIG__", json.dumps(config)).replace("__MOCK__", self.mock.url)
        self.page.goto(self.pages.publish(html))
        try:
            self.page.wait_for_selector(".osigu-w")
        except Exception as error:
            raise AssertionError(f"the widget did not mount; console: {self.console_errors}") from error

    def token(self, role: str) -> str:
        return self.mock.headers(role)["Authorization"].split(" ", 1)[1]

    # -- observing -----------------------------------------------------------------------------------------
    def events(self, name: str | None = None) -> list[Any]:
        events = self.page.evaluate("window.__events")
        return [e["value"] for e in events if name is None or e["name"] == name]

    def steps(self) -> list[str]:
        return [step["name"] for step in self.events("step")]

    def wait_step(self, name: str, timeout: float = 10_000) -> None:
        self.page.wait_for_selector(f'.osigu-w[data-step="{name}"]', timeout=timeout)

    def wait_outcome(self, timeout: float = 10_000) -> dict[str, Any]:
        self.page.wait_for_function(
            "window.__events.some(function (e) { return e.name === 'complete'; })", timeout=timeout
        )
        (outcome,) = self.events("complete")
        return outcome

    def alert(self) -> str:
        return self.page.locator(".osigu-w [role=alert]").inner_text()

    def journal(self) -> list[dict[str, Any]]:
        """The tenant's journal, oldest first: what the widget called, as the mock saw it."""
        answer = self.mock.admin("GET", "/__admin/journal", params={"size": 100})
        assert answer.status_code == 200, answer.text
        return sorted(answer.json()["content"], key=lambda e: e["id"])

    def calls(self) -> list[tuple[str, str, int]]:
        return [(e["method"], re.sub(r"/\d+(?=/|$)", "/{id}", e["path"]), e["status"]) for e in self.journal()]

    # -- screenshots -----------------------------------------------------------------------------------------
    def shoot(self, label: str) -> None:
        """The widget now, in the light and in the dark theme (the root's data-theme switched for the picture)."""
        folder = ARTIFACTS / self.name
        folder.mkdir(parents=True, exist_ok=True)
        root = self.page.locator(".osigu-w")
        original = root.get_attribute("data-theme")
        self.taken += 1
        for theme in ("light", "dark"):
            # The root's theme, and the system's for what follows it (the challenge iframe's "auto").
            root.evaluate("(node, theme) => node.setAttribute('data-theme', theme)", theme)
            self.page.emulate_media(color_scheme=theme)
            self.page.screenshot(path=str(folder / f"{self.taken:02d}-{label}-{theme}.png"), full_page=True)
        root.evaluate("(node, theme) => node.setAttribute('data-theme', theme)", original)
        self.page.emulate_media(color_scheme="light")


@pytest.fixture
def host(browser, osigu_mock_server, host_pages, request) -> Iterator[WidgetHost]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    widget_host = WidgetHost(page, osigu_mock_server, host_pages, name)
    yield widget_host
    context.close()


def make_host(browser, mock, pages: HostPages, name: str, **context_options: Any) -> tuple[Any, WidgetHost]:
    """A host in a context of its own (a viewport or a locale other than the default's)."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, WidgetHost(page, mock, pages, name)
