"""A threaded HTTP server on 127.0.0.1 as a context manager (Hub emulator, fault proxy)."""

from __future__ import annotations

import threading
from socketserver import BaseServer
from typing import Self


class LoopbackServer:
    """Subclasses set `self._server`; this runs it in a daemon thread while in a `with`."""

    _server: BaseServer
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
