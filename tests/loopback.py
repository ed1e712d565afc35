"""A threaded HTTP server on 127.0.0.1 as a context manager (Hub emulator, fault proxy)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
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


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """A request body, whether sent with Content-Length or chunked (httpx streams uploads)."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""
