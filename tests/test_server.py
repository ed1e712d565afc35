"""The embedded Argilla: a real argilla-server with our SQL search engine and fakeredis.

Every test here talks to a real server process over loopback; annotators act through
the REST endpoints the annotator UI uses, each with their own API key.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from argilla_rest import Rest
from conftest import free_port

pytestmark = pytest.mark.server

ANNOTATE = [sys.executable, "-m", "annotate.cli.__main__"]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _make_dataset(info, name: str, n_records: int, min_submitted: int = 2):
    """Owner work through the SDK: workspace, dataset (label + text question), records."""
    import argilla as rg

    client = rg.Argilla(api_url=info.url, api_key=info.api_key)
    ws_name = f"ws-{uuid.uuid4().hex[:8]}"
    workspace = rg.Workspace(name=ws_name, client=client).create()
    settings = rg.Settings(
        fields=[rg.TextField(name="translation", use_markdown=True)],
        questions=[
            rg.LabelQuestion(
                name="verdict",
                labels={"correct": "Correcta", "corrected": "Corregida", "unusable": "Inservible"},
            ),
            rg.TextQuestion(name="correction", required=False),
        ],
        metadata=[rg.TermsMetadataProperty(name="subject")],
        distribution=rg.TaskDistribution(min_submitted=min_submitted),
    )
    dataset = rg.Dataset(name=name, workspace=workspace, settings=settings, client=client).create()
    subjects = ["física", "historia"]
    dataset.records.log(
        [
            rg.Record(
                id=f"item-{i}",
                fields={"translation": f"Pregunta número {i}: ¿cuál es la canción {i}?"},
                metadata={"subject": subjects[i % 2]},
                suggestions=[rg.Suggestion("correction", f"[[question]]\nPregunta {i}")],
            )
            for i in range(n_records)
        ]
    )
    return client, workspace, dataset


def test_server_answers_serves_ui_and_checks_keys(argilla_server):
    info = argilla_server
    assert httpx.get(f"{info.url}/api/v1/version").json()["version"] == "2.8.0"
    page = httpx.get(f"{info.url}/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    me = httpx.get(f"{info.url}/api/v1/me", headers={"X-Argilla-Api-Key": info.api_key})
    assert me.status_code == 200 and me.json()["role"] == "owner"
    assert httpx.get(f"{info.url}/api/v1/me").status_code == 401
    wrong = httpx.get(f"{info.url}/api/v1/me", headers={"X-Argilla-Api-Key": "nope"})
    assert wrong.status_code == 401


def test_owner_can_log_in_with_password(argilla_server):
    info = argilla_server
    r = httpx.post(
        f"{info.url}/api/v1/token",
        data={"username": info.username, "password": info.password},
    )
    assert r.status_code == 201, r.text
    token = r.json()["access_token"]
    me = httpx.get(f"{info.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == info.username


def test_annotators_queue_submissions_completion_and_progress(argilla_server):
    info = argilla_server
    _client, workspace, dataset = _make_dataset(info, "queue-test", n_records=6)
    owner = Rest(info.url, info.api_key)
    ana = owner.create_annotator("ana", "ana-password-1", str(workspace.id))
    ben = owner.create_annotator("ben", "ben-password-1", str(workspace.id))
    ds_id = str(dataset.id)

    queue = ana.queue(ds_id)
    assert queue["total"] == 6
    ids = [item["record"]["id"] for item in queue["items"]]
    assert len(set(ids)) == 6

    # Ana submits two records: her queue shrinks, Ben's does not.
    for rid in ids[:2]:
        ana.respond(rid, {"verdict": "correct"})
    assert ana.queue(ds_id)["total"] == 4
    assert ben.queue(ds_id)["total"] == 6

    # A draft keeps the record out of Ana's pending queue but does not complete it.
    ana.respond(ids[2], {"verdict": "corrected", "correction": "[[question]]\nPregunta"}, "draft")
    assert ana.queue(ds_id)["total"] == 3

    # Ben submits the first record: two submissions complete it (min_submitted=2).
    ben.respond(ids[0], {"verdict": "correct"})
    progress = owner.get(f"/api/v1/datasets/{ds_id}/progress")
    assert progress["total"] == 6
    assert progress["completed"] == 1
    assert progress["pending"] == 5
    record = owner.get(f"/api/v1/records/{ids[0]}")
    assert record["status"] == "completed"
    # A completed record leaves everyone's pending queue.
    assert ben.queue(ds_id)["total"] == 5

    me_progress = ana.get(f"/api/v1/me/datasets/{ds_id}/metrics")
    assert me_progress["responses"]["submitted"] == 2
    assert me_progress["responses"]["draft"] == 1
    assert me_progress["responses"]["pending"] == 3


def test_search_filters_text_and_sort(argilla_server):
    info = argilla_server
    _client, workspace, dataset = _make_dataset(info, "search-test", n_records=8)
    owner = Rest(info.url, info.api_key)
    ds_id = str(dataset.id)
    path = f"/api/v1/datasets/{ds_id}/records/search"

    # Text search is accent-insensitive and needs every term (as Elasticsearch's AND).
    hits = owner.post(path, {"query": {"text": {"q": "cancion 3"}}})
    assert [i["record"]["external_id"] for i in hits["items"]] == ["item-3"]
    assert owner.post(path, {"query": {"text": {"q": "inexistente"}}})["total"] == 0

    # Metadata terms filter.
    fisica = owner.post(
        path,
        {
            "filters": {
                "and": [
                    {
                        "type": "terms",
                        "scope": {"entity": "metadata", "metadata_property": "subject"},
                        "values": ["física"],
                    }
                ]
            }
        },
    )
    assert fisica["total"] == 4
    assert {i["record"]["external_id"] for i in fisica["items"]} == {
        f"item-{i}" for i in (0, 2, 4, 6)
    }

    # Sort by external id, descending, with paging.
    page = owner.post(
        f"{path}?limit=3&offset=1",
        {"sort": [{"scope": {"entity": "record", "property": "external_id"}, "order": "desc"}]},
    )
    assert page["total"] == 8
    assert [i["record"]["external_id"] for i in page["items"]] == ["item-6", "item-5", "item-4"]

    # Metadata metrics for the UI's filter widgets.
    props = owner.get(f"/api/v1/me/datasets/{ds_id}/metadata-properties")["items"]
    subject = next(p for p in props if p["name"] == "subject")
    metrics = owner.get(f"/api/v1/metadata-properties/{subject['id']}/metrics")
    assert {v["term"]: v["count"] for v in metrics["values"]} == {"física": 4, "historia": 4}


def test_background_job_recomputes_statuses_when_distribution_changes(argilla_server):
    info = argilla_server
    _client, workspace, dataset = _make_dataset(info, "distribution-test", n_records=4)
    owner = Rest(info.url, info.api_key)
    ana = owner.create_annotator("carla", "carla-password-1", str(workspace.id))
    ds_id = str(dataset.id)
    rid = ana.queue(ds_id)["items"][0]["record"]["id"]
    ana.respond(rid, {"verdict": "correct"})
    assert owner.get(f"/api/v1/records/{rid}")["status"] == "pending"

    owner.patch(
        f"/api/v1/datasets/{ds_id}",
        {"distribution": {"strategy": "overlap", "min_submitted": 1}},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if owner.get(f"/api/v1/records/{rid}")["status"] == "completed":
            break
        time.sleep(0.3)
    assert owner.get(f"/api/v1/records/{rid}")["status"] == "completed"
    assert owner.get(f"/api/v1/datasets/{ds_id}/progress")["completed"] == 1


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_cli_start_stop_restart_keeps_data(tmp_path: Path):
    port = free_port()
    data = tmp_path / "argilla"
    started = _cli("server", "start", "--data-dir", str(data), "--port", str(port), "--json")
    assert started.returncode == 0, started.stderr
    info = json.loads(started.stdout)
    assert set(info) == {"url", "username", "password", "api_key"}
    assert info["url"].endswith(f":{port}")
    # Credentials are owner-only.
    for name in ("connection.json", "auth-secret"):
        assert (data / name).stat().st_mode & 0o077 == 0

    headers = {"X-Argilla-Api-Key": info["api_key"]}
    assert httpx.get(f"{info['url']}/api/v1/me", headers=headers).status_code == 200
    ws = httpx.post(f"{info['url']}/api/v1/workspaces", json={"name": "kept"}, headers=headers)
    assert ws.status_code == 201, ws.text

    status = json.loads(_cli("server", "status", "--data-dir", str(data), "--json").stdout)
    assert status["running"] is True

    # A browser session (JWT) survives the restart: the auth secret is stable.
    token = httpx.post(
        f"{info['url']}/api/v1/token",
        data={"username": info["username"], "password": info["password"]},
    ).json()["access_token"]

    stopped = _cli("server", "stop", "--data-dir", str(data))
    assert stopped.returncode == 0, stopped.stderr
    assert not _listening(port)
    down = _cli("server", "status", "--data-dir", str(data), "--json")
    assert down.returncode == 1 and json.loads(down.stdout)["running"] is False

    again = _cli("server", "start", "--data-dir", str(data), "--port", str(port), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == info
    names = [
        w["name"]
        for w in httpx.get(f"{info['url']}/api/v1/me/workspaces", headers=headers).json()["items"]
    ]
    assert "kept" in names
    me = httpx.get(f"{info['url']}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert _cli("server", "stop", "--data-dir", str(data)).returncode == 0
    assert not _listening(port)


def test_cli_port_in_use_is_one_line_error(tmp_path: Path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = _cli("server", "start", "--data-dir", str(tmp_path / "d"), "--port", str(port))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: port") and str(port) in lines[-1]
    assert "Traceback" not in result.stderr


def test_server_dying_at_start_names_the_log_and_leaves_nothing(tmp_path: Path):
    data = tmp_path / "broken"
    data.mkdir()
    (data / "argilla.db").write_text("this is not a SQLite database")
    port = free_port()
    result = _cli("server", "start", "--data-dir", str(data), "--port", str(port))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "exited during start-up" in last and str(data / "server.log") in last
    assert "Traceback" not in result.stderr
    assert not (data / "server.pid").exists()
    assert not _listening(port)
    leftovers = subprocess.run(["pgrep", "-f", str(data)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""


def test_failed_install_is_one_line_error(tmp_path: Path):
    env = {
        "ANNOTATE_SERVER_VENV": str(tmp_path / "venv"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(tmp_path / "nothing-here"),
        "PIP_CONFIG_FILE": os.devnull,
    }
    result = _cli(
        "server", "start", "--data-dir", str(tmp_path / "d"), "--port", str(free_port()), env=env
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "installing argilla-server 2.8.0 failed" in last and "read " in last
    assert "Traceback" not in result.stderr


# --- security and lifecycle -------------------------------------------------------------


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2 :].split()[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def _tcp_listening_ports(pids: list[int]) -> set[int]:
    """Ports on which these processes accept TCP connections (any address, v4 or v6)."""
    inodes = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def test_server_listens_on_tcp_only_for_http_and_redis_is_private(argilla_server):
    """Redis takes jobs the worker runs as the owner: it must not be reachable by others."""
    info = argilla_server
    data = info.data_dir
    assert data.stat().st_mode & 0o777 == 0o700
    state = json.loads((data / "server.pid").read_text())
    pids = _group_pids(state["pgid"])
    assert len(pids) >= 2  # the server and its rq worker
    assert _tcp_listening_ports(pids) == {int(info.url.rsplit(":", 1)[1])}
    sock = data / "redis.sock"
    assert stat.S_ISSOCK(sock.stat().st_mode) and sock.stat().st_mode & 0o077 == 0


def test_stale_pid_file_never_signals_another_process(tmp_path: Path):
    """After a reboot or an OOM kill, server.pid may name the user's shell: leave it alone.

    (The data folder's path is too long for a Unix socket: Redis then listens in a
    private folder of its own, and the server still starts.)"""
    data = tmp_path / ("deep-" * 12) / "argilla"
    data.mkdir(parents=True)
    bystander = subprocess.Popen(["sleep", "300"], start_new_session=True)  # its own group
    port = free_port()
    stale = {"pid": bystander.pid, "pgid": bystander.pid, "url": f"http://localhost:{port}"}
    stale |= {"host": "127.0.0.1", "port": port}
    try:
        (data / "server.pid").write_text(json.dumps(stale))
        stopped = _cli("server", "stop", "--data-dir", str(data))
        assert stopped.returncode == 0, stopped.stderr
        assert "stale" in stopped.stderr and "not running" in stopped.stderr
        assert bystander.poll() is None
        assert not (data / "server.pid").exists()

        (data / "server.pid").write_text(json.dumps(stale))
        started = _cli("server", "start", "--data-dir", str(data), "--port", str(port), "--json")
        assert started.returncode == 0, started.stderr
        assert "stale" in started.stderr
        assert bystander.poll() is None
        assert data.stat().st_mode & 0o777 == 0o700  # made owner-only: Redis's socket is in it
        assert _cli("server", "stop", "--data-dir", str(data)).returncode == 0
        assert not _listening(port)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--port", "80000"], "--port 80000 is not a port number"),
        (["--port", "-1"], "--port -1 is not a port number"),
        (["--host", "192.0.2.1"], "--host 192.0.2.1 is not an address of this machine"),
        (["--data-dir", "TMP/a-file/d"], "cannot use TMP/a-file/d as the server's data folder"),
        (["--workers", "0"], "--workers 0 is out of range"),
    ],
)
def test_bad_port_host_or_folder_is_one_line_naming_the_true_cause(tmp_path: Path, args, expected):
    (tmp_path / "a-file").write_text("")
    args = [a.replace("TMP", str(tmp_path)) for a in args]
    expected = expected.replace("TMP", str(tmp_path))
    result = _cli("server", "start", "--data-dir", str(tmp_path / "d"), *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {expected}")
    assert "in use" not in result.stderr


def test_two_starts_at_once_share_one_server_and_stop_falls_back(argilla_server, tmp_path):
    """Two concurrent `start` on one folder: one server. Stopping it (no --data-dir) stops
    the newest; commands then find the older server that is still up."""
    from annotate import server

    data = tmp_path / "second"
    cmd = [*ANNOTATE, "server", "start", "--data-dir", str(data), "--port", "0", "--json"]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    runs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [proc.communicate(timeout=300) for proc in runs]
    assert [proc.returncode for proc in runs] == [0, 0], [err for _, err in outs]
    first, second = (json.loads(out) for out, _ in outs)
    assert first == second
    port = int(first["url"].rsplit(":", 1)[1])
    assert port != 0 and _listening(port)
    assert "install" not in "".join(err for _, err in outs).lower()  # installed already
    assert server.local_connection().url == first["url"]  # the newest running one

    stopped = _cli("server", "stop")  # no --data-dir: the newest server, the second
    assert stopped.returncode == 0, stopped.stderr
    assert not _listening(port)
    leftovers = subprocess.run(["pgrep", "-f", str(data)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""

    status = json.loads(_cli("server", "status", "--json").stdout)
    assert status["running"] is True and status["data_dir"] == str(argilla_server.data_dir)
    local = server.local_connection()
    assert local is not None and local.url == argilla_server.url
