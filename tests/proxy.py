"""A loopback HTTP proxy that forwards to a real server and injects faults on schedule.

Why it exists: retry and resume logic is only worth something if it is exercised against
real failures: a 503 from an overloaded server, a connection that drops before the
request arrives, one that drops after the server has already done the work (the client
must not duplicate it when it retries), a response cut in the middle of its body. The
CLI runs unmodified as a subprocess pointed at `proxy.url`; the proxy forwards to the
real Argilla (or to the Hub emulator) and, for the requests a schedule picks, misbehaves.

    with FaultProxy(server.url, schedule=seeded(7, rate=0.2)) as proxy:
        cli("push", ..., env={"ARGILLA_API_URL": proxy.url, ...})
        proxy.log  # what happened to every request

A schedule is a callable `(ProxyRequest) -> Fault | None`; `None` forwards untouched.
`nth`, `matching`, `seeded` and `always` build the usual ones; schedules are
deterministic (a seeded RNG, never the clock), so a failing run replays exactly.

Everything binds 127.0.0.1, every upstream call has a timeout, and `Fault.hold` waits
on an event for a bounded time only, so no test can hang on the proxy.
"""

from __future__ import annotations

import http.client
import random
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from loopback import LoopbackServer, read_body

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}
UPSTREAM_TIMEOUT = 120.0  # seconds for one forwarded request
HOLD_LIMIT = 60.0  # a held request never waits longer than this


@dataclass(frozen=True)
class ProxyRequest:
    """What a schedule sees: the n-th request (0-based) the proxy received."""

    n: int
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    body: bytes

    def matches(self, method: str | None = None, path_contains: str | None = None) -> bool:
        return (method is None or self.method == method) and (
            path_contains is None or path_contains in self.path
        )


@dataclass(frozen=True)
class Fault:
    """One way to misbehave. Build with the class methods."""

    kind: str
    status: int = 0
    hold: threading.Event | None = None
    then: Fault | None = None
    on_hold: Callable[[], None] | None = None

    @classmethod
    def answer(cls, status: int) -> Fault:
        """Answer `status` (e.g. 500, 503) without forwarding: the server never sees it."""
        return cls("status", status=status)

    @classmethod
    def drop_before(cls) -> Fault:
        """Read the request, then close the connection unanswered: nothing reached the server."""
        return cls("drop_before")

    @classmethod
    def drop_after(cls) -> Fault:
        """Forward the request, let the server do the work, close without answering."""
        return cls("drop_after")

    @classmethod
    def truncate(cls) -> Fault:
        """Forward, then send the headers and half the body and reset the connection."""
        return cls("truncate")

    @classmethod
    def held(
        cls,
        release: threading.Event,
        then: Fault | None = None,
        on_hold: Callable[[], None] | None = None,
    ) -> Fault:
        """Call `on_hold`, wait for `release` (at most HOLD_LIMIT s), then apply `then`
        (forward when None). Lets a test act while a request is in flight."""
        return cls("hold", hold=release, then=then, on_hold=on_hold)

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.status}" if self.kind == "status" else self.kind


Schedule = Callable[[ProxyRequest], Fault | None]


def always(fault: Fault) -> Schedule:
    return lambda req: fault


def matching(
    fault: Fault,
    *,
    method: str | None = None,
    path_contains: str | None = None,
    when: Callable[[ProxyRequest], bool] | None = None,
) -> Schedule:
    """`fault` for every request that matches (method, part of the path, a predicate)."""

    def schedule(req: ProxyRequest) -> Fault | None:
        if req.matches(method, path_contains) and (when is None or when(req)):
            return fault
        return None

    return schedule


def nth(faults: dict[int, Fault]) -> Schedule:
    """A fault for the n-th request (0-based, counting every request the proxy saw)."""
    return lambda req: faults.get(req.n)


def seeded(
    seed: int,
    *,
    rate: float,
    faults: tuple[Fault, ...] = (
        Fault.answer(500),
        Fault.answer(503),
        Fault.drop_before(),
        Fault.drop_after(),
        Fault.truncate(),
    ),
    max_in_a_row: int = 2,
    skip_first: int = 0,
) -> Schedule:
    """Each request fails with probability `rate`, with a fault drawn from `faults`.

    Never more than `max_in_a_row` consecutive faults, so a client that retries at least
    `max_in_a_row + 1` times always gets through: the test then checks results, not luck.
    """
    rng = random.Random(seed)
    lock = threading.Lock()
    state = {"row": 0}

    def schedule(req: ProxyRequest) -> Fault | None:
        with lock:
            draw, pick = rng.random(), rng.randrange(len(faults))
            if req.n < skip_first or state["row"] >= max_in_a_row or draw >= rate:
                state["row"] = 0
                return None
            state["row"] += 1
            return faults[pick]

    return schedule


@dataclass
class LogEntry:
    n: int
    method: str
    path: str
    fault: str | None
    status: int | None  # what the client got; None when the connection was dropped


@dataclass
class _State:
    upstream: tuple[str, int]
    upstream_base: str
    schedule: Schedule | None
    rewrite: bool
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    log: list[LogEntry] = field(default_factory=list)
    public_base: str = ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: _State  # set on the per-proxy subclass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # requests carry API keys and tokens in headers: never log them

    def _read_body(self) -> bytes:
        return read_body(self)

    def _record(self, req: ProxyRequest, fault: Fault | None, status: int | None) -> None:
        with self.state.lock:
            self.state.log.append(
                LogEntry(req.n, req.method, req.path, fault.name if fault else None, status)
            )

    def _drop(self, reset: bool = True) -> None:
        """Close the client connection with no (more) answer; RST so the client notices now."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _forward(self, req: ProxyRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        host, port = self.state.upstream
        conn = http.client.HTTPConnection(host, port, timeout=UPSTREAM_TIMEOUT)
        try:
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}
            }
            headers["Host"] = f"{host}:{port}"
            headers["Content-Length"] = str(len(req.body))
            conn.request(self.command, self.path, body=req.body, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, resp.getheaders(), body
        finally:
            conn.close()

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        if self.state.rewrite and self.state.public_base:
            body = body.replace(self.state.upstream_base.encode(), self.state.public_base.encode())
        self.send_response(status)
        for k, v in headers:
            if k.lower() in HOP_BY_HOP:
                continue
            if self.state.rewrite and k.lower() == "location":
                v = v.replace(self.state.upstream_base, self.state.public_base)
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _apply(self, req: ProxyRequest, fault: Fault | None) -> int | None:
        """Carry out `fault` (None: forward); the status the client got, None if dropped."""
        if fault is None:
            status, headers, body = self._forward(req)
            self._reply(status, headers, body)
            return status
        if fault.kind == "hold":
            if fault.on_hold is not None:
                fault.on_hold()
            if fault.hold is not None:
                fault.hold.wait(HOLD_LIMIT)
            return self._apply(req, fault.then)
        if fault.kind == "status":
            body = b'{"detail": "injected by the test proxy"}'
            self._reply(
                fault.status, [("Content-Type", "application/json"), ("Retry-After", "0")], body
            )
            return fault.status
        if fault.kind == "drop_before":
            self._drop()
            return None
        if fault.kind == "drop_after":
            self._forward(req)
            self._drop()
            return None
        if fault.kind == "truncate":
            status, headers, body = self._forward(req)
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(max(len(body), 2)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self._drop()
            return None
        raise ValueError(f"unknown fault {fault.kind!r}")

    def _handle(self) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        with self.state.lock:
            n = self.state.counter
            self.state.counter += 1
        req = ProxyRequest(n, self.command, url.path, parse_qs(url.query), body)
        fault = self.state.schedule(req) if self.state.schedule else None
        try:
            status = self._apply(req, fault)
        except (BrokenPipeError, ConnectionResetError):
            status = None
            self.close_connection = True
        except OSError:  # upstream down: what a real reverse proxy says
            status = 502
            try:
                self._reply(502, [("Content-Type", "text/plain")], b"upstream unreachable")
            except OSError:
                status = None
                self.close_connection = True
        self._record(req, fault, status)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients killed or reset on purpose are the point here, not errors


class FaultProxy(LoopbackServer):
    """A loopback proxy to `upstream` (e.g. "http://localhost:6900") with a fault schedule.

    `rewrite=True` replaces the upstream's base URL with the proxy's in response bodies and
    Location headers, so links a server hands out (LFS upload URLs) also come through here.
    """

    def __init__(
        self, upstream: str, schedule: Schedule | None = None, *, rewrite: bool = False
    ) -> None:
        parts = urlsplit(upstream)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy only forwards to loopback")
        host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
        self.state = _State(
            upstream=(host, parts.port or 80),
            upstream_base=f"{parts.scheme}://{parts.netloc}",
            schedule=schedule,
            rewrite=rewrite,
        )
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = _Server(("127.0.0.1", 0), handler)
        self.state.public_base = self.url
        self._thread: threading.Thread | None = None

    def set_schedule(self, schedule: Schedule | None) -> None:
        with self.state.lock:
            self.state.schedule = schedule

    @property
    def log(self) -> list[LogEntry]:
        with self.state.lock:
            return list(self.state.log)

    def faults(self) -> list[LogEntry]:
        """The requests that were not simply forwarded."""
        return [e for e in self.log if e.fault is not None]
