"""`annotate watch` against the real local argilla-server: its rq worker delivers the events.

The watcher runs as a real subprocess; annotators answer through the REST API the UI
uses; the page must change because the server's signed webhook reached the listener.
Waits poll with generous timeouts (no timed assertions).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from argilla_rest import Rest
from campaigns import cli_json, default_ctrl_c, make_config
from conftest import free_port
from test_watch import delivery, event

WAIT = 90.0


def wait_for(what: str, check, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def events(log: Path) -> list[dict]:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{")]


def refreshes(log: Path) -> int:
    return sum(e["event"] == "refreshed" for e in events(log))


def our_hooks(owner: Rest, url: str) -> list[dict]:
    return [h for h in owner.get("/api/v1/webhooks")["items"] if h["url"] == url]


def campaign(info, tmp_path: Path, limit: int) -> tuple[Path, Rest, str, str, str]:
    """Push `limit` ARC items; (config, owner client, workspace name, its id, dataset id)."""
    config = make_config(tmp_path, benchmarks=["arc"])
    cli_json("push", "-c", str(config), "--limit", str(limit), info=info)
    owner = Rest(info.url, info.api_key)
    workspace = yaml.safe_load(config.read_text())["workspace"]
    ws = next(w for w in owner.get("/api/v1/me/workspaces")["items"] if w["name"] == workspace)
    dataset = next(
        d for d in owner.get("/api/v1/me/datasets")["items"] if d["workspace_id"] == ws["id"]
    )
    return config, owner, workspace, ws["id"], dataset["id"]


def start_watch(info, config: Path, tmp_path: Path, *args: str) -> subprocess.Popen:
    """`annotate watch --json --interval 1` in the background; events go to watch.jsonl."""
    env = {**os.environ, "ARGILLA_API_URL": info.url, "ARGILLA_API_KEY": info.api_key}
    command = ["watch", "-c", str(config), "--interval", "1", "--json", *args]
    with (tmp_path / "watch.jsonl").open("w") as out, (tmp_path / "watch.err").open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "annotate", *command],
            stdout=out,
            stderr=err,
            env=env,
            preexec_fn=default_ctrl_c,
        )
    wait_for("the watcher to start", lambda: _seen(tmp_path / "watch.jsonl", "watching"))
    return proc


def test_watch_rewrites_the_report_on_argilla_events_and_rejects_forgeries(
    argilla_server, tmp_path
):
    config, owner, workspace, ws_id, dataset_id = campaign(argilla_server, tmp_path, 2)
    volunteer = f"vera-{workspace[-8:]}"
    vera = owner.create_annotator(volunteer, "vera-password-123", ws_id)

    port, page, log = free_port(), tmp_path / "live.html", tmp_path / "watch.jsonl"
    url = f"http://127.0.0.1:{port}/"
    proc = start_watch(argilla_server, config, tmp_path, "--port", str(port), "--out", str(page))
    try:
        assert [e["mode"] for e in events(log) if e["event"] == "watching"] == ["webhook"]
        assert refreshes(log) == 1 and page.exists()  # the catch-up pull at start
        assert volunteer not in page.read_text(encoding="utf-8")
        (hook,) = our_hooks(owner, url)
        assert set(hook["events"]) >= {"response.created", "record.completed"}

        # a volunteer submits: the server's worker delivers, the page shows her
        record = vera.queue(dataset_id)["items"][0]
        vera.respond(record["record"]["id"], {"verdict": "correct"})
        wait_for("the page to credit the volunteer", lambda: volunteer in page.read_text("utf-8"))
        settled = wait_for("the refreshes to settle", lambda: _settled(log, page))

        # forged, unsigned and replayed deliveries: 401, and nothing is rewritten
        body = event(workspace=workspace)
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.post("/", content=body).status_code == 401
            forged = delivery("Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0LTMyYg==", body)
            assert http.post("/", content=body, headers=forged).status_code == 401
            old = delivery(hook["secret"], body, at=time.time() - 3600)
            assert http.post("/", content=body, headers=old).status_code == 401
            time.sleep(3)  # three intervals: a wrongly accepted request would have refreshed
            assert (refreshes(log), page.stat().st_mtime_ns) == settled

            # the same request signed with the webhook's secret does refresh
            signed = delivery(hook["secret"], body)
            assert http.post("/", content=body, headers=signed).status_code == 204
        wait_for("a refresh from the signed request", lambda: refreshes(log) > settled[0])

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert our_hooks(owner, url) == []
    assert events(log)[-1] == {**events(log)[-1], "event": "webhook-removed", "id": hook["id"]}
    stderr = (tmp_path / "watch.err").read_text()
    assert "Traceback" not in stderr
    assert hook["secret"] not in log.read_text() + stderr


def _settled(log: Path, page: Path) -> tuple[int, int] | None:
    """(refreshes, page mtime) once nothing changed for two intervals."""
    before = (refreshes(log), page.stat().st_mtime_ns)
    time.sleep(2)
    return before if before == (refreshes(log), page.stat().st_mtime_ns) else None


def test_watch_survives_a_server_restart_and_a_deleted_webhook(tmp_path):
    """Its own server (the session's must not restart): stop it, start it again, delete
    the webhook behind the watcher's back; deliveries must still reach the page."""
    from annotate import server

    data_dir, port = tmp_path / "argilla", free_port()
    info = server.start(data_dir=data_dir, port=port)
    proc = None
    try:
        config, owner, workspace, ws_id, dataset_id = campaign(info, tmp_path, 1)
        page, log = tmp_path / "live.html", tmp_path / "watch.jsonl"
        proc = start_watch(info, config, tmp_path, "--out", str(page))

        server.stop(data_dir)
        wait_for("the watcher to see the server gone", lambda: _seen(log, "server-down"))
        info = server.start(data_dir=data_dir, port=port)
        wait_for("the catch-up pull", lambda: _seen(log, "refreshed", reason="server back"))

        owner = Rest(info.url, info.api_key)
        (first,) = [e for e in events(log) if e["event"] == "webhook"]
        owner.http.delete(f"/api/v1/webhooks/{first['id']}").raise_for_status()
        wait_for("a new webhook", lambda: _seen(log, "refreshed", reason="webhook re-registered"))
        assert len([e for e in events(log) if e["event"] == "webhook"]) == 2

        name = f"rita-{workspace[-8:]}"
        rita = owner.create_annotator(name, "rita-password-123", ws_id)
        rita.respond(rita.queue(dataset_id)["items"][0]["record"]["id"], {"verdict": "correct"})
        wait_for("the page to credit the volunteer", lambda: name in page.read_text("utf-8"))
        assert events(log)[-1]["reason"] == "event"  # delivered, not caught by a pull

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert owner.get("/api/v1/webhooks")["items"] == []
        assert "Traceback" not in (tmp_path / "watch.err").read_text()
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        server.stop(data_dir)


def _seen(log: Path, kind: str, **fields) -> bool:
    return any(
        e["event"] == kind and all(e.get(k) == v for k, v in fields.items()) for e in events(log)
    )


def test_watch_falls_back_to_polling_when_argilla_cannot_reach_it(
    argilla_server, tmp_path, dead_url
):
    """A URL the server cannot post to (as a hosted Argilla cannot reach our loopback):
    the signed ping fails, the webhook is removed, and polling still updates the page."""
    config, owner, workspace, ws_id, dataset_id = campaign(argilla_server, tmp_path, 1)
    nowhere = f"{dead_url}/"
    site = tmp_path / "site"
    page, log = tmp_path / "live.html", tmp_path / "watch.jsonl"
    proc = start_watch(
        argilla_server,
        config,
        tmp_path,
        "--public-url",
        nowhere,
        "--out",
        str(page),
        "--to",
        str(site),
    )
    try:
        assert _seen(log, "fallback") and _seen(log, "watching", mode="poll")
        assert our_hooks(owner, nowhere) == []
        name = f"pol-{workspace[-8:]}"
        pol = owner.create_annotator(name, "pol-password-123", ws_id)
        pol.respond(pol.queue(dataset_id)["items"][0]["record"]["id"], {"verdict": "correct"})
        wait_for("a poll to credit the volunteer", lambda: name in page.read_text("utf-8"))
        # --to: each refresh is published too (a folder here: index.html + the Space card)
        wait_for("the published page", lambda: _contains(site / "index.html", name))
        assert (site / "README.md").exists()
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in (tmp_path / "watch.err").read_text()


def _contains(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(encoding="utf-8")
