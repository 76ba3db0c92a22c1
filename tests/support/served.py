"""The mock served by uvicorn on 127.0.0.1, in a background thread (for races and real sockets)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx2
import uvicorn

from mock_server.app import create_app
from mock_server.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedApp:
    """Any ASGI app served by uvicorn on 127.0.0.1, in a background thread."""

    def __init__(self, app, port: int | None = None) -> None:
        self.port = port or free_port()
        self.app = app
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
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


class ServedMock(ServedApp):
    def __init__(self, settings: Settings | None = None) -> None:
        port = free_port()
        self.settings = (settings or Settings(frozen_clock=True)).with_(port=port)
        super().__init__(create_app(self.settings), port)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the server's event loop still while the block runs. Whatever arrives meanwhile waits in the
        sockets and is read in one pass of the loop when the block ends, as simultaneous arrivals would be:
        requests sent inside the block are all parsed, and their handlers started, before any one of them
        gets past its first ``await``."""
        loop = self.server.servers[0].get_loop()
        release, holding = threading.Event(), threading.Event()

        def hold() -> None:
            holding.set()
            release.wait(10)

        loop.call_soon_threadsafe(hold)
        if not holding.wait(5):
            raise RuntimeError("the server's event loop did not pause")
        try:
            yield
        finally:
            release.set()

    def client(self) -> httpx2.Client:
        return httpx2.Client(base_url=self.url, timeout=10)

    def bearer(self, client: httpx2.Client, client_id: str = "demo-clinic") -> dict[str, str]:
        token = client.post(
            "/v1/oauth/token", auth=(client_id, f"{client_id}-secret"), data={"grant_type": "client_credentials"}
        ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}
