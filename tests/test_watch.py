"""`annotate watch` without a server: signatures, debouncing, and the listener's answers.

Deliveries are signed with `standardwebhooks`, the library argilla-server itself signs
with (the argilla SDK depends on it), so these tests check our verifier against the
real sender, not against itself.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from annotate.watch import EVENTS, TOLERANCE, Debouncer, Watcher, event_workspace, sign, verify


def argilla_secret() -> str:
    """A secret as argilla-server makes them (models.database.generate_webhook_secret)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def delivery(secret: str, body: bytes, *, at: float | None = None, msg_id: str = "msg_1") -> dict:
    """Headers the way argilla-server's notify_event builds them, signed by the reference."""
    when = datetime.fromtimestamp(time.time() if at is None else at, tz=UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body.decode()),
        "content-type": "application/json",
    }


def event(kind: str = "response.created", workspace: str = "ws") -> bytes:
    dataset = {"id": "d", "workspace": {"id": "w", "name": workspace}}
    data = {"record": {"id": "r", "dataset": dataset}} if kind.startswith("response") else {}
    if kind.startswith("record"):
        data = {"id": "r", "dataset": dataset}
    return json.dumps({"type": kind, "version": 1, "data": data}).encode()


# --- signatures -------------------------------------------------------------------------


def test_a_delivery_signed_by_the_reference_sender_verifies():
    secret, body = argilla_secret(), event()
    assert verify(secret, delivery(secret, body), body)


def test_our_signature_is_the_reference_one():
    secret, body, now = argilla_secret(), b'{"type": "ping"}', int(time.time())
    ours = sign(secret, "msg_x", now, body)
    Webhook(secret).verify(
        body, {"webhook-id": "msg_x", "webhook-timestamp": str(now), "webhook-signature": ours}
    )  # raises if the reference disagrees


def test_forged_deliveries_fail():
    secret, body = argilla_secret(), event()
    good = delivery(secret, body)
    assert not verify(secret, delivery(argilla_secret(), body), body)  # another secret
    assert not verify(secret, good, body.replace(b"ws", b"xx"))  # body changed
    assert not verify(secret, {**good, "webhook-id": "msg_2"}, body)  # id changed
    stamp = str(int(good["webhook-timestamp"]) + 1)
    assert not verify(secret, {**good, "webhook-timestamp": stamp}, body)  # time changed
    for bad in ("v1,", "v1,!!!notbase64", "v2," + good["webhook-signature"][3:], "garbage"):
        assert not verify(secret, {**good, "webhook-signature": bad}, body)


def test_unsigned_deliveries_fail():
    secret, body = argilla_secret(), event()
    good = delivery(secret, body)
    assert not verify(secret, {}, body)
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert not verify(secret, {k: v for k, v in good.items() if k != header}, body)
    assert not verify(secret, {**good, "webhook-timestamp": "yesterday"}, body)


def test_an_old_or_future_delivery_fails_even_with_its_genuine_signature():
    secret, body = argilla_secret(), event()
    now = time.time()
    assert not verify(secret, delivery(secret, body, at=now - TOLERANCE - 5), body)
    assert not verify(secret, delivery(secret, body, at=now + TOLERANCE + 5), body)
    assert verify(secret, delivery(secret, body, at=now - TOLERANCE + 5), body)


def test_headers_are_case_insensitive_and_any_listed_signature_may_match():
    secret, body = argilla_secret(), event()
    good = delivery(secret, body)
    shouting = {k.upper(): v for k, v in good.items()}
    assert verify(secret, shouting, body)
    rotated = f"v1,{base64.b64encode(b'x' * 32).decode()} {good['webhook-signature']}"
    assert verify(secret, {**good, "webhook-signature": rotated}, body)
    assert verify("whsec_" + secret, good, body)  # the standard's optional prefix


@settings(max_examples=60, deadline=None)
@given(body=st.binary(min_size=1, max_size=200), flip=st.integers(min_value=0))
def test_any_changed_byte_of_a_signed_body_fails(body, flip):
    secret = argilla_secret()
    now = int(time.time())
    headers = {
        "webhook-id": "msg_p",
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, "msg_p", now, body),
    }
    assert verify(secret, headers, body)
    i = flip % len(body)
    changed = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]
    assert not verify(secret, headers, changed)


# --- debouncing -------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_nothing_pending_means_no_refresh():
    assert Debouncer(60, Clock()).wait() is None


def test_a_burst_costs_one_refresh_now_and_one_after_the_interval():
    clock = Clock()
    d = Debouncer(60, clock)
    d.event()
    assert d.wait() == 0.0
    d.refreshing()
    for _ in range(100):
        clock.now += 0.1
        d.event()
    assert d.wait() == pytest.approx(50.0)
    clock.now += 50
    assert d.wait() == 0.0
    d.refreshing()
    assert d.wait() is None


@settings(max_examples=100, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=30), min_size=1, max_size=40),
    interval=st.floats(min_value=1, max_value=20),
)
def test_refreshes_are_spaced_and_every_event_is_followed_by_one(gaps, interval):
    """Drive the debouncer as the watch loop does, with events at arbitrary times."""
    clock = Clock()
    d = Debouncer(interval, clock)
    refreshes: list[float] = []
    events: list[float] = []

    def run_until(t: float) -> None:
        while True:
            wait = d.wait()
            if wait is None or clock.now + wait > t:
                clock.now = t
                return
            clock.now += wait
            refreshes.append(clock.now)
            d.refreshing()

    for gap in gaps:
        run_until(clock.now + gap)
        events.append(clock.now)
        d.event()
    run_until(clock.now + interval + 1)
    assert all(b - a >= interval - 1e-9 for a, b in zip(refreshes, refreshes[1:], strict=False))
    assert refreshes and refreshes[-1] >= events[-1]
    for t in events:  # the event's effect is picked up by a refresh starting at or after it
        assert any(r >= t for r in refreshes)


# --- the listener -----------------------------------------------------------------------


def test_event_workspace_reads_response_and_record_events():
    assert event_workspace(json.loads(event("response.updated", "a"))) == "a"
    assert event_workspace(json.loads(event("record.completed", "b"))) == "b"
    assert event_workspace({"type": "ping", "data": {"agent": "argilla-server"}}) is None


def test_listener_answers_401_to_forgeries_and_queues_only_verified_events():
    cfg = SimpleNamespace(workspace="ws", campaign="c")
    watcher = Watcher(cfg, SimpleNamespace(url="http://x"), out="unused.html", interval=1)
    watcher.secret = argilla_secret()
    url = watcher._listen()
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            body = event()
            assert http.post("/", content=body).status_code == 401  # unsigned
            forged = delivery(argilla_secret(), body)
            assert http.post("/", content=body, headers=forged).status_code == 401
            stale = delivery(watcher.secret, body, at=time.time() - 3600)
            assert http.post("/", content=body, headers=stale).status_code == 401
            assert watcher.debounce.wait() is None  # none of them asked for a refresh

            other = event(workspace="someone-else")
            signed = delivery(watcher.secret, other)
            assert http.post("/", content=other, headers=signed).status_code == 204
            assert watcher.debounce.wait() is None  # verified, but another campaign's

            for kind in EVENTS:
                body = event(kind)
                signed = delivery(watcher.secret, body)
                assert http.post("/", content=body, headers=signed).status_code == 204
            assert watcher.debounce.wait() == 0.0

            ping = b'{"type": "ping", "version": 1, "data": {}}'
            assert (
                http.post("/", content=ping, headers=delivery(watcher.secret, ping)).status_code
                == 204
            )
            assert watcher.pinged.is_set()
            assert http.get("/").status_code == 501  # only POST is served
    finally:
        watcher.server.shutdown()
        watcher.server.server_close()


def test_every_watcher_event_has_one_human_line():
    from annotate.cli.watch import _line

    refreshed = {"event": "refreshed", "reason": "event", "responses": 3, "new": 1, "changed": 0}
    refreshed |= {"volunteers": 2, "report": "r.html"}
    published = {"target": "hf://spaces/o/n", "changed": False, "commit": None}
    cases = [
        refreshed,
        {**refreshed, "published": published},
        {"event": "webhook", "id": "w1", "url": "http://127.0.0.1:1/"},
        {"event": "webhook-removed", "id": "w1"},
        {"event": "watching", "mode": "webhook", "interval": 60.0},
        {"event": "watching", "mode": "poll", "interval": 600.0},
        {"event": "fallback", "error": "Argilla answered 403 to POST /api/v1/webhooks"},
        {"event": "server-down", "url": "http://localhost:6900"},
        {"event": "error", "reason": "poll", "error": "cannot reach Argilla"},
    ]
    lines = [_line(e) for e in cases]
    assert all(line and "\n" not in line for line in lines)
    assert "unchanged at hf://spaces/o/n" in lines[1]
    assert "by polling" in lines[5] and "on Argilla's events" in lines[4]
