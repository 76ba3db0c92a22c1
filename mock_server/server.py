"""Run the app under uvicorn (one worker, uvloop and httptools when installed) and say where it is."""

from __future__ import annotations

import click
import uvicorn

from mock_server.app import create_app
from mock_server.settings import Settings

__all__ = ["banner", "run"]


def banner(settings: Settings, base_url: str, clients) -> str:
    lines = [
        f"osigu-mock serving on {base_url}",
        f"  docs:     {base_url}/docs",
        f"  openapi:  {base_url}/openapi.json",
        f"  token:    POST {base_url}/v1/oauth/token",
        "            (HTTP Basic client_id:client_secret, grant_type=client_credentials)",
    ]
    if settings.admin_enabled:
        protected = " (needs Authorization: Bearer <admin token>)" if settings.admin_token else ""
        lines.append(f"  admin:    {base_url}/__admin/world{protected}")
    else:
        lines.append("  admin:    disabled (--no-admin)")
    lines.append("  demo clients (client_id / client_secret -> provider, scope):")
    for client in clients:
        lines.append(
            f"    {client.client_id} / {client.client_secret} -> {client.provider_slug}, {client.scope_string()}"
        )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, settings: Settings, app) -> None:
        super().__init__(config)
        self._settings = settings
        self._app = app

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if not self.started:
            return
        port = self._settings.port
        for server in self.servers:
            for sock in server.sockets:
                port = sock.getsockname()[1]
                break
        settings = self._settings.with_(port=port)
        sandbox = self._app.state.sandbox
        click.echo(banner(settings, settings.base_url, sandbox.clients_of("default")), err=False)


def run(settings: Settings, *, log_level: str = "warning") -> None:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    try:
        _Server(config, settings, app).run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled; the shutdown was clean
        pass
    click.echo("osigu-mock stopped.")
