"""`annotate watch`: keep the report live from Argilla's webhooks, or by polling.

Volunteers come back when they see themselves climb, so the page should follow their
work within a minute, not when someone remembers to run `annotate report`. Argilla 2.x
posts signed events (Standard Webhooks: `webhook-id`, `webhook-timestamp` and
`webhook-signature = v1,<base64 HMAC-SHA256 of "id.timestamp.body">`) to a URL it was
given; we run a small listener on loopback, verify each delivery, and on verified events
pull, rebuild the report and optionally publish it, at most once per interval.

A server that cannot reach us (a hosted Argilla) is detected with a signed ping right
after registering: then, or with `--poll`, we pull on a timer instead. Every start does
one pull first, so nothing that happened while no watcher ran is lost; a server that
restarts (its queued deliveries are lost with it) gets a catch-up pull and, if our
webhook is gone, a new one. The webhook is removed when the watcher stops.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from annotate.errors import AnnotateError

EVENTS = ("response.created", "response.updated", "response.deleted", "record.completed")
TOLERANCE = 300  # seconds a delivery's timestamp may differ from our clock (the standard's 5 min)
MAX_BODY = 16 * 1024 * 1024  # response events carry the record's fields, which may be long
PING_WAIT = 10.0  # seconds to wait for the ping that proves the server can reach us


# --- signatures (pure) ------------------------------------------------------------------


def _key(secret: str) -> bytes:
    """Standard Webhooks secrets are base64, optionally prefixed `whsec_`."""
    secret = secret.removeprefix("whsec_")
    return base64.b64decode(secret + "=" * (-len(secret) % 4))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value a sender with `secret` puts on `body`."""
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(digest.digest()).decode()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE,
) -> bool:
    """True only for a delivery signed with `secret` whose timestamp is within `tolerance`.

    The timestamp is inside the signed text, so an old delivery replayed later fails
    here even with its genuine signature. Signatures are compared in constant time.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        return False
    try:
        ts = int(stamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    expected = base64.b64decode(sign(secret, msg_id, ts, body)[3:])
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        if hmac.compare_digest(expected, given):
            return True
    return False


# --- debouncing (pure) ------------------------------------------------------------------


class Debouncer:
    """At most one refresh per `interval`; events in between fold into the next one.

    The first event after a quiet spell refreshes at once; a burst costs one refresh now
    and one when the interval is over, which then sees every event of the burst.
    """

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.pending = False
        self.last: float | None = None

    def event(self) -> None:
        self.pending = True

    def wait(self) -> float | None:
        """Seconds until a refresh is due (0: now), or None when nothing is pending."""
        if not self.pending:
            return None
        if self.last is None:
            return 0.0
        return max(0.0, self.last + self.interval - self.clock())

    def refreshing(self) -> None:
        """Call when a refresh starts: events from now on need another one."""
        self.pending = False
        self.last = self.clock()


def event_workspace(event: Mapping[str, Any]) -> str | None:
    """The workspace an Argilla event is about (responses nest it in their record)."""
    data = event.get("data") or {}
    record = data.get("record") if isinstance(data.get("record"), dict) else data
    dataset = (record or {}).get("dataset") or {}
    workspace = dataset.get("workspace") if isinstance(dataset, dict) else None
    return workspace.get("name") if isinstance(workspace, dict) else None


# --- the watcher ------------------------------------------------------------------------


class Watcher:
    """Listener + webhook + refresh loop for one campaign. `run()` blocks until `stop()`."""

    def __init__(
        self,
        cfg: Any,
        conn: Any,
        out: Path,
        *,
        interval: float = 60.0,
        poll: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        lang: str | None = None,
        publish: Callable[[], dict] | None = None,
        emit: Callable[[dict], None] = lambda _: None,
        check_every: float | None = None,
    ) -> None:
        self.cfg, self.conn, self.out = cfg, conn, Path(out)
        self.interval, self.poll = interval, poll
        self.host, self.port, self.public_url = host, port, public_url
        self.lang, self.publish, self.emit = lang, publish, emit
        self.check_every = check_every if check_every is not None else max(interval, 5.0)
        self.cond = threading.Condition()
        self.debounce = Debouncer(interval)
        self.stopping = False
        self.secret: str | None = None
        self.webhook_id: str | None = None
        self.pinged = threading.Event()
        self.server: ThreadingHTTPServer | None = None
        self.client: Any = None

    # called from the listener's threads
    def deliver(self, headers: Mapping[str, str], body: bytes) -> int:
        """The HTTP status for one delivery; only a verified event can cause a refresh."""
        secret = self.secret
        if secret is None or not verify(secret, headers, body):
            return 401
        try:
            event = json.loads(body)
        except ValueError:
            return 400
        if not isinstance(event, dict):
            return 400
        kind = event.get("type")
        if kind == "ping":
            self.pinged.set()
        elif kind in EVENTS and event_workspace(event) in (None, self.cfg.workspace):
            with self.cond:
                self.debounce.event()
                self.cond.notify_all()
        return 204

    def stop(self) -> None:
        """Ask `run()` to finish (safe from a signal handler or another thread)."""
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    # --- one refresh --------------------------------------------------------------------
    def refresh(self, reason: str) -> dict | None:
        """Pull, rebuild the report, publish; a failure is reported and retried later."""
        from annotate.insights import write_campaign_report
        from annotate.pull import pull

        with self.cond:
            self.debounce.refreshing()
        try:
            pulled = pull(self.cfg, self.conn)
            report = write_campaign_report(self.cfg, self.out, lang=self.lang)
            published = self.publish() if self.publish else None
        except AnnotateError as exc:
            self.emit({"event": "error", "reason": reason, "error": str(exc)})
            return None
        result = {
            "event": "refreshed",
            "reason": reason,
            "snapshot": pulled.get("snapshot"),
            "responses": pulled.get("responses"),
            "new": pulled.get("new"),
            "changed": pulled.get("changed"),
            "report": report["path"],
            "volunteers": report["volunteers"],
        }
        if published is not None:  # where, and whether anything new was sent
            result["published"] = {k: published.get(k) for k in ("target", "changed", "commit")}
        self.emit(result)
        return result

    # --- the webhook --------------------------------------------------------------------
    def _listen(self) -> str:
        watcher = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "annotate-watch"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                try:
                    length = int(self.headers.get("content-length") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_BODY:
                    self._answer(413 if length > MAX_BODY else 400)
                    return
                self._answer(watcher.deliver(self.headers, self.rfile.read(length)))

            def _answer(self, code: int) -> None:
                self.send_response(code)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # no access log: nothing about deliveries reaches the terminal

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, name="watch-listener", daemon=True
        ).start()
        port = self.server.server_address[1]
        return self.public_url or f"http://{self.host}:{port}/"

    def _register(self, url: str) -> None:
        """Create our webhook and prove the server reaches us with a signed ping."""
        from annotate import argilla_io

        hook = argilla_io.create_webhook(
            self.client, url, list(EVENTS), f"annotate watch: {self.cfg.campaign}"
        )
        self.secret, self.webhook_id = hook["secret"], str(hook["id"])
        self.pinged.clear()
        delivered = argilla_io.ping_webhook(self.conn, self.webhook_id)
        if not (self.pinged.is_set() or (delivered and self.pinged.wait(PING_WAIT))):
            self._unregister()
            raise AnnotateError(f"Argilla at {self.conn.url} cannot reach {url}")
        self.emit({"event": "webhook", "id": self.webhook_id, "url": url})

    def _unregister(self) -> None:
        from annotate import argilla_io

        webhook_id, self.webhook_id = self.webhook_id, None
        if webhook_id is None:
            return
        try:
            argilla_io.delete_webhook(self.client, webhook_id)
        except Exception as exc:  # noqa: BLE001 (stopping: say so, never a traceback)
            self.emit(
                {
                    "event": "error",
                    "reason": "stop",
                    "error": f"webhook {webhook_id} was not "
                    f"removed from {self.conn.url}: {type(exc).__name__}",
                }
            )
        else:
            self.emit({"event": "webhook-removed", "id": webhook_id})

    def _check(self, url: str, down: bool) -> bool:
        """Is the server up and our webhook still there? Re-register and catch up if not.

        Returns whether the server is down now. A restart loses the deliveries it had
        queued, so coming back always costs one catch-up pull.
        """
        from annotate import argilla_io

        try:
            ids = {str(h["id"]) for h in argilla_io.list_webhooks(self.client)}
        except Exception:  # noqa: BLE001 (down: keep trying, quietly after the first note)
            if not down:
                self.emit({"event": "server-down", "url": self.conn.url})
            return True
        lost = self.webhook_id not in ids
        if lost:
            self.webhook_id = None
            try:
                self._register(url)
            except Exception as exc:  # noqa: BLE001
                self.emit({"event": "error", "reason": "re-register", "error": str(exc)})
                return True
        if down or lost:
            self.refresh("server back" if down else "webhook re-registered")
        return False

    # --- the loop -----------------------------------------------------------------------
    def run(self) -> str:
        """Watch until `stop()`; returns the mode it ran in ("webhook" or "poll")."""
        from annotate import argilla_io

        # two attempts: a kept-alive connection the server closed (it does after a 500)
        # is retried; a server that is down is noticed within a second
        self.client = argilla_io.connect(self.conn, attempts=2, backoff=0.2)
        self.refresh("start")  # the catch-up pull: what happened while nobody watched
        mode, url = "poll", ""
        try:
            if not self.poll and not self.stopping:  # Ctrl-C during the first pull: no webhook
                try:
                    url = self._listen()
                    self._register(url)
                    mode = "webhook"
                except (AnnotateError, OSError) as exc:
                    self.emit({"event": "fallback", "error": str(exc), "interval": self.interval})
            self.emit({"event": "watching", "mode": mode, "interval": self.interval})
            self._loop(mode, url)
        finally:
            self._unregister()
            if self.server is not None:
                self.server.shutdown()
                self.server.server_close()
        return mode

    def _loop(self, mode: str, url: str) -> None:
        next_check = time.monotonic() + (self.interval if mode == "poll" else self.check_every)
        down = False
        while True:
            with self.cond:
                while not self.stopping:
                    to_check = next_check - time.monotonic()
                    due = self.debounce.wait() if mode == "webhook" and not down else None
                    timeout = to_check if due is None else min(due, to_check)
                    if timeout <= 0:
                        break
                    self.cond.wait(timeout)
                if self.stopping:
                    return
                event_due = self.debounce.wait() == 0.0
            if mode == "poll":
                self.refresh("poll")
                next_check = time.monotonic() + self.interval
            elif event_due and not down:
                self.refresh("event")
            else:
                down = self._check(url, down)
                next_check = time.monotonic() + self.check_every
