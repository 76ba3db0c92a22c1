"""The mock served by uvicorn on 127.0.0.1, in a background thread (for races and real sockets)."""

from __future__ import annotations

import socket
import threading
import time

import httpx2
import uvicorn

from mock_server.app import create_app
from mock_server.settings import Settings


class ServedMock:
    def __init__(self, settings: Settings | None = None) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.settings = (settings or Settings(frozen_clock=True)).with_(port=self.port)
        self.app = create_app(self.settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedMock:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def client(self) -> httpx2.Client:
        return httpx2.Client(base_url=self.url, timeout=10)

    def bearer(self, client: httpx2.Client, client_id: str = "demo-clinic") -> dict[str, str]:
        token = client.post(
            "/v1/oauth/token", auth=(client_id, f"{client_id}-secret"), data={"grant_type": "client_credentials"}
        ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}
