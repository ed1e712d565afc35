"""Nothing lost against a real Argilla: users add killed mid-way, concurrent pushes and
pulls on one campaign, a pull meeting a full disk or a damaged snapshot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from argilla_rest import Rest
from campaigns import arc_campaign, default_ctrl_c
from filesystems import full_disk, make_full, one_line_error, run, tree
from proxy import Fault, FaultProxy, matching

from annotate import store
from annotate.users import read_passwords

pytestmark = pytest.mark.server


def _env(info) -> dict[str, str]:
    return {**os.environ, "ARGILLA_API_URL": info.url, "ARGILLA_API_KEY": info.api_key}


def _start(args: list[str], info) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "annotate", *args],
        env=_env(info),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
    )


def _usernames(rest: Rest) -> set[str]:
    return {u["username"] for u in rest.get("/api/v1/users")["items"]}


def _can_log_in(url: str, username: str, password: str) -> bool:
    answer = httpx.post(
        f"{url}/api/v1/token", data={"username": username, "password": password}, timeout=30
    )
    return answer.status_code < 300


# --- users add --------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill -9", "Ctrl-C"])
def test_users_add_interrupted_mid_way_loses_no_password(argilla_server, tmp_path, sig):
    tag = uuid.uuid4().hex[:6]
    names = [f"vol{i:02d}-{tag}" for i in range(40)]
    users_csv = tmp_path / "volunteers.csv"
    users_csv.write_text("username,role\n" + "".join(f"{n},\n" for n in names), "utf-8")
    users_csv.write_text(users_csv.read_text().replace(f"{names[0]},", f"{names[0]},admin"))
    passwords = tmp_path / "secrets" / "passwords.csv"
    args = ["users", "add", "-w", f"ws-{tag}", "-f", str(users_csv)]
    args += ["--passwords-out", str(passwords)]
    rest = Rest(argilla_server.url, argilla_server.api_key)

    proc = _start(args, argilla_server)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(_usernames(rest) & set(names)) >= 2:
            break
        time.sleep(0.02)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, "finished before the interruption: make the CSV longer"
    created = _usernames(rest) & set(names)
    assert 2 <= len(created) < len(names)
    assert "Traceback" not in err
    # every account that exists has its password on disk, owner-only
    written = read_passwords(passwords)
    assert created <= set(written)
    assert passwords.stat().st_mode & 0o777 == 0o600
    assert not list(passwords.parent.glob(".*.tmp"))

    again = subprocess.run(
        [sys.executable, "-m", "annotate", *args, "--json"],
        env=_env(argilla_server),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert {u["username"] for u in result["users"]} == set(names)
    final = read_passwords(passwords)
    assert {n: final[n] for n in created} == {n: written[n] for n in created}
    for name in names:  # every account usable with the password on disk
        assert _can_log_in(argilla_server.url, name, final[name]), name
    roles = {u["username"]: u["role"] for u in rest.get("/api/v1/users")["items"]}
    assert roles[names[0]] == "admin" and roles[names[1]] == "annotator"
    for secret in final.values():
        assert secret not in again.stdout + again.stderr


def test_users_add_password_column_is_the_accounts_password(argilla_server, tmp_path):
    tag = uuid.uuid4().hex[:6]
    users_csv = tmp_path / "volunteers.csv"
    users_csv.write_text(f"username,password\nana-{tag},chosen-by-ana\nben-{tag},\n", "utf-8")
    passwords = tmp_path / "pw.csv"
    result = run(
        [
            "users",
            "add",
            "-w",
            f"ws-{tag}",
            "-f",
            str(users_csv),
            "--passwords-out",
            str(passwords),
        ],
        env={"ARGILLA_API_URL": argilla_server.url, "ARGILLA_API_KEY": argilla_server.api_key},
    )
    assert result.returncode == 0, result.stderr
    assert _can_log_in(argilla_server.url, f"ana-{tag}", "chosen-by-ana")
    written = read_passwords(passwords)
    assert set(written) == {f"ben-{tag}"}
    assert _can_log_in(argilla_server.url, f"ben-{tag}", written[f"ben-{tag}"])


# --- concurrent runs --------------------------------------------------------------------


def _arc_campaign(tmp_path: Path, n: int = 6) -> Path:
    return arc_campaign(tmp_path, n)[2]


def _dataset(rest: Rest, config: Path) -> dict:
    """The campaign's one dataset (asserting there is exactly one)."""
    workspace = yaml.safe_load(config.read_text(encoding="utf-8"))["workspace"]
    ws = [w for w in rest.get("/api/v1/me/workspaces")["items"] if w["name"] == workspace]
    datasets = [
        d for d in rest.get("/api/v1/me/datasets")["items"] if d["workspace_id"] == ws[0]["id"]
    ]
    assert len(datasets) == 1, datasets
    return datasets[0]


def _records(rest: Rest, config: Path) -> list[dict]:
    dataset = _dataset(rest, config)
    return rest.get(f"/api/v1/datasets/{dataset['id']}/records", params={"limit": 1000})["items"]


def test_two_pushes_and_three_pulls_at_once_all_succeed(argilla_server, tmp_path):
    config = _arc_campaign(tmp_path)
    pushes = [_start(["push", "-c", str(config)], argilla_server) for _ in range(2)]
    outcomes = [p.communicate(timeout=300) for p in pushes]
    for proc, (_out, err) in zip(pushes, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert "ERROR" not in err and "Traceback" not in err
    rest = Rest(argilla_server.url, argilla_server.api_key)
    assert len(_records(rest, config)) == 6

    pulls = [_start(["pull", "-c", str(config), "--json"], argilla_server) for _ in range(3)]
    outcomes = [p.communicate(timeout=300) for p in pulls]
    for proc, (_out, err) in zip(pulls, outcomes, strict=True):
        assert proc.returncode == 0, err
    workdir = Path(yaml.safe_load(config.read_text())["workdir"])
    names = {json.loads(out)["snapshot"] for out, _err in outcomes}
    assert {p.name for p in store.snapshots(workdir)} == names and len(names) == 3
    assert store.load(workdir)[2]["snapshot"] in names
    for path in store.snapshots(workdir):
        store.read_snapshot(path)  # all intact
    assert not [p for p in (workdir / "snapshots").iterdir() if p.name.startswith(".")]


def test_a_push_elsewhere_never_deletes_the_dataset_another_push_is_creating(
    argilla_server, tmp_path
):
    """Two machines (two workdirs, so two locks) push one campaign: the first is held just
    before it publishes its new dataset; the second must wait for it, not delete it."""
    config = _arc_campaign(tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(yaml.safe_dump({**data, "workdir": str(tmp_path / "other-work")}))
    holding, release = threading.Event(), threading.Event()
    schedule = matching(
        Fault.held(release, on_hold=holding.set), method="PUT", path_contains="/publish"
    )
    logs = [tempfile.TemporaryFile("w+", encoding="utf-8") for _ in range(2)]  # noqa: SIM115
    with FaultProxy(argilla_server.url, schedule) as proxy:
        env = {**_env(argilla_server), "ARGILLA_API_URL": proxy.url}
        first = subprocess.Popen(
            [sys.executable, "-m", "annotate", "push", "-c", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=logs[0],
        )
        assert holding.wait(120), "the first push never got to publishing its dataset"
        rest = Rest(argilla_server.url, argilla_server.api_key)
        draft = _dataset(rest, config)
        assert draft["status"] == "draft"
        second = subprocess.Popen(
            [sys.executable, "-m", "annotate", "push", "-c", str(elsewhere)],
            env=_env(argilla_server),
            stdout=subprocess.DEVNULL,
            stderr=logs[1],
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and second.poll() is None:
            logs[1].seek(0)
            if "being created by another push" in logs[1].read():
                break
            time.sleep(0.05)
        release.set()
        codes = [first.wait(timeout=300), second.wait(timeout=300)]
    errors = []
    for log in logs:
        log.seek(0)
        errors.append(log.read())
        log.close()
    assert codes == [0, 0], errors
    assert _dataset(rest, config)["id"] == draft["id"]  # the first push's, never deleted
    assert "being created by another push" in errors[1]
    assert all("ERROR" not in e and "Traceback" not in e for e in errors), errors
    assert len(_records(rest, config)) == 6


# --- pull meets a full disk, then a damaged snapshot ---------------------------------------


def test_pull_on_a_full_disk_then_over_a_damaged_snapshot(argilla_server, tmp_path):
    env = {"ARGILLA_API_URL": argilla_server.url, "ARGILLA_API_KEY": argilla_server.api_key}
    with full_disk(tmp_path) as disk:
        config = _arc_campaign(tmp_path)
        data = yaml.safe_load(config.read_text())
        data["workdir"] = str(disk.path / "work")
        config.write_text(yaml.safe_dump(data))
        workdir = disk.path / "work"
        assert run(["push", "-c", str(config)], env=env).returncode == 0
        first = run(["pull", "-c", str(config), "--json"], env=env)
        assert first.returncode == 0, first.stderr
        before = tree(workdir)
        make_full(disk, leave=1024)

        line = one_line_error(run(["pull", "-c", str(config)], disk=disk, env=env))
        assert str(workdir) in line
        assert tree(workdir) == before
        assert not [p for p in (workdir / "snapshots").iterdir() if p.name.startswith(".")]
        (disk.path / ".filler").unlink(missing_ok=True)

        # the latest snapshot damaged: pull writes a fresh one regardless, and says so
        latest = store.latest(workdir)
        (latest / "responses.parquet").write_bytes(b"PAR1")
        again = run(["pull", "-c", str(config)], env=env)
        assert again.returncode == 0, again.stderr
        assert "damaged" in again.stderr
        assert store.latest(workdir) != latest
        assert run(["resolve", "-c", str(config)], env=env).returncode == 0
