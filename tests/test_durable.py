"""Nothing lost, one line for every failure: snapshots, the file system, locks, users' CSV.

No Argilla server here: the store, resolve, report and publish to a folder work from the
workdir alone, so damage and disk faults are tried on real files through the real CLI.
The tests that need accounts or pushes are in test_durable_server.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from campaigns import make_config
from filesystems import full_disk, make_full, one_line_error, read_only, run, tree

from annotate import store
from annotate.config import load_config
from annotate.errors import ConfigError
from annotate.lock import hold
from annotate.paths import atomic_write_bytes, write_private
from annotate.pull import _previous, tidy, to_frames
from annotate.users import plan_passwords, read_passwords, read_users_csv

# --- a pulled campaign, without a server ------------------------------------------------


def _record(i: int, key: str, answers: dict[str, str]) -> dict:
    """A REST record as pull reads it, answered by `answers` (username -> verdict)."""
    return {
        "id": f"00000000-0000-0000-0000-{i:012d}",
        "external_id": f"arc:{key}",
        "metadata": {"item_key": key},
        "status": "completed" if len(answers) >= 2 else "pending",
        "fields": {"translation": "texto"},
        "inserted_at": "2026-11-30T10:00:00+00:00",
        "updated_at": "2026-11-30T10:00:00+00:00",
        "responses": [
            {
                "user_id": f"u-{user}",
                "status": "submitted",
                "values": {"verdict": {"value": verdict}},
                "inserted_at": "2026-11-30T11:00:00+00:00",
                "updated_at": "2026-11-30T11:00:00+00:00",
            }
            for user, verdict in answers.items()
        ],
    }


def _pull(workdir: Path, name: str, answers: dict[str, str]) -> Path:
    """Write a snapshot the way pull does, with one item answered by `answers`."""
    responses, records = tidy(
        [_record(1, "Mercury_7175875", answers)],
        benchmark="arc",
        dataset="arc",
        usernames={f"u-{u}": u for u in answers},
    )
    resp, recs = to_frames(responses, records)
    meta = {"snapshot": name, "pulled_at": "2026-11-30T12:00:00+00:00", "records": 1}
    return store.write_snapshot(workdir, resp, recs, meta)


OLD, NEW = "20261130T100000_000000Z", "20261130T120000_000000Z"


@pytest.fixture
def campaign(tmp_path: Path) -> tuple[Path, Path]:
    """(config, workdir) of an ARC campaign with two pulls, the newer one with two votes."""
    config = make_config(tmp_path, benchmarks=["arc"])
    workdir = load_config(config).workdir
    _pull(workdir, OLD, {"ana": "correct"})
    _pull(workdir, NEW, {"ana": "correct", "ben": "correct"})
    return config, workdir


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGES = {
    "truncated responses.parquet": lambda w: _truncate(w / "snapshots" / NEW / "responses.parquet"),
    "garbage records.parquet": lambda w: (w / "snapshots" / NEW / "records.parquet").write_bytes(
        b"PAR1 not a table at all PAR1"
    ),
    "one byte flipped in responses.parquet": lambda w: _flip(
        w / "snapshots" / NEW / "responses.parquet"
    ),
    "meta.json not JSON": lambda w: (w / "snapshots" / NEW / "meta.json").write_text("{oops"),
    "meta.json deleted": lambda w: (w / "snapshots" / NEW / "meta.json").unlink(),
    "LATEST not UTF-8": lambda w: (w / "LATEST").write_bytes(b"\xff\xfe\x00bad"),
    "LATEST names a missing snapshot": lambda w: (w / "LATEST").write_text("20261201T000000_0Z"),
    "LATEST deleted": lambda w: (w / "LATEST").unlink(),
}


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", list(DAMAGES), ids=list(DAMAGES))
def test_damage_is_named_and_the_newest_intact_snapshot_is_used_when_asked(campaign, damage):
    _config, workdir = campaign
    DAMAGES[damage](workdir)

    with pytest.raises(store.SnapshotDamaged) as caught:
        store.load(workdir)
    line = str(caught.value)
    assert "\n" not in line
    assert ("LATEST" in line) or (NEW in line)
    intact = NEW if damage.startswith("LATEST") else OLD
    assert "--snapshot latest-intact" in line and f"to use {intact}" in line

    responses, _records, meta = store.load(workdir, store.LATEST_INTACT)
    assert meta["snapshot"] == intact
    assert set(responses["username"]) == ({"ana", "ben"} if intact == NEW else {"ana"})

    # pull compares with the newest intact snapshot and writes a fresh one regardless
    name, previous, damaged = _previous(workdir)
    assert name == intact and previous is not None and damaged
    fresh = _pull(workdir, "20261130T130000_000000Z", {"ana": "wrong"})
    assert store.load(workdir)[2]["snapshot"] == fresh.name


def test_every_snapshot_carries_checksums_and_old_ones_still_load(campaign):
    _config, workdir = campaign
    meta = json.loads((workdir / "snapshots" / NEW / "meta.json").read_text())
    for name in store.TABLES:
        data = (workdir / "snapshots" / NEW / name).read_bytes()
        assert meta["files"][name]["bytes"] == len(data)
    # a snapshot written before checksums existed: no "files" in its meta
    old_meta = workdir / "snapshots" / NEW / "meta.json"
    old_meta.write_text(json.dumps({k: v for k, v in meta.items() if k != "files"}))
    assert store.load(workdir)[2]["snapshot"] == NEW
    _truncate(workdir / "snapshots" / NEW / "records.parquet")  # still caught: unreadable
    with pytest.raises(store.SnapshotDamaged, match="records.parquet"):
        store.load(workdir)


def test_a_named_snapshot_and_an_unknown_name(campaign):
    _config, workdir = campaign
    assert store.load(workdir, OLD)[2]["snapshot"] == OLD
    with pytest.raises(Exception, match="no snapshot named 'nope'"):
        store.load(workdir, "nope")
    with pytest.raises(Exception, match="no snapshot named"):
        store.load(workdir, "../../etc")


@pytest.mark.parametrize("command", ["resolve", "report", "publish"])
def test_commands_on_a_damaged_snapshot_say_one_line_then_use_the_intact_one(
    campaign, command, tmp_path
):
    config, workdir = campaign
    DAMAGES["truncated responses.parquet"](workdir)
    extra = {
        "resolve": [],
        "report": ["--out", str(tmp_path / "report.html")],
        "publish": ["--to", str(tmp_path / "release"), "--allow-unreviewed"],
    }[command]
    args = [command, "-c", str(config), *extra]

    line = one_line_error(run(args))
    assert f"snapshot {workdir / 'snapshots' / NEW} is damaged" in line
    assert "responses.parquet" in line and "--snapshot latest-intact" in line

    ok = run([*args, "--snapshot", "latest-intact", "--json"])
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    if command != "report":
        assert result["snapshot"] == OLD


def test_status_stops_on_a_damaged_snapshot_before_asking_argilla(campaign):
    config, workdir = campaign
    DAMAGES["garbage records.parquet"](workdir)
    line = one_line_error(
        run(
            ["status", "-c", str(config)],
            env={"ARGILLA_API_URL": "http://127.0.0.1:9", "ARGILLA_API_KEY": "annotate.x"},
        )
    )
    assert "records.parquet" in line and "latest-intact" in line


# --- the file system --------------------------------------------------------------------


def _no_temp_files(folder: Path) -> None:
    left = [p for p in folder.rglob("*") if p.name.endswith(".tmp") or ".tmp-" in p.name]
    assert not left, left


def test_a_failed_atomic_write_leaves_no_temp_file_and_sweeps_dead_ones(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    ).stdout.strip()
    stale = tmp_path / f".LATEST.{dead}.tmp"
    stale.write_text("from a pull killed with -9")
    atomic_write_bytes(tmp_path / "LATEST", b"x")
    assert not stale.exists()
    assert (tmp_path / "LATEST").read_bytes() == b"x"

    with full_disk(tmp_path) as disk:
        disk.path.mkdir(exist_ok=True)
        make_full(disk, leave=0)
        writer = subprocess.run(
            [sys.executable, "-c", FAILING_WRITES, str(disk.path)],
            capture_output=True,
            text=True,
            preexec_fn=disk.preexec(),
        )
        assert writer.stdout.split() == ["failed", "failed"], writer.stderr
        _no_temp_files(disk.path)
        assert not (disk.path / "big.bin").exists()


FAILING_WRITES = """
import sys
from pathlib import Path
from annotate.paths import atomic_write_bytes, write_private
folder = Path(sys.argv[1])
for write in (lambda: atomic_write_bytes(folder / "big.bin", b"1" * 100_000),
              lambda: write_private(folder / "secret.csv", "x" * 100_000)):
    try:
        write()
        print("written")
    except OSError:
        print("failed")
"""


def test_full_disk_during_resolve_report_and_publish_is_one_line_and_writes_nothing(
    tmp_path, campaign
):
    config, workdir = campaign
    with full_disk(tmp_path) as disk:
        on_disk = make_config(tmp_path, benchmarks=["arc"], workdir=str(disk.path / "work"))
        _pull(disk.path / "work", OLD, {"ana": "correct", "ben": "wrong"})
        ok = run(["resolve", "-c", str(on_disk)])
        assert ok.returncode == 0, ok.stderr
        before = tree(disk.path / "work")
        make_full(disk)

        line = one_line_error(run(["resolve", "-c", str(on_disk)], disk=disk))
        assert str(disk.path / "work" / "resolved") in line
        assert tree(disk.path / "work") == before

        # the workdir has room, the targets do not (with the fallback's size limit, the
        # first write to fail may be the workdir's: either way one line, nothing half-written)
        out = disk.path / "site" / "report.html"
        line = one_line_error(run(["report", "-c", str(config), "--out", str(out)], disk=disk))
        assert str(out) in line
        release = disk.path / "release"
        line = one_line_error(
            run(
                ["publish", "-c", str(config), "--to", str(release), "--allow-unreviewed"],
                disk=disk,
            )
        )
        assert str(release) in line or disk.kind != "tmpfs", line
        assert "no space left" in line.lower() or "too large" in line.lower(), line

        assert not out.exists() and not release.exists()
        _no_temp_files(disk.path)
        _no_temp_files(workdir)


def test_read_only_targets_are_one_line_naming_the_path(tmp_path, campaign):
    config, workdir = campaign
    with read_only(tmp_path) as ro:
        before = tree(ro.path)
        cases = {
            "report --out": ["report", "-c", str(config), "--out", str(ro.path / "r.html")],
            "publish --to": [
                "publish",
                "-c",
                str(config),
                "--to",
                str(ro.path / "release"),
                "--allow-unreviewed",
            ],
            "server --data-dir": ["server", "start", "--data-dir", str(ro.path / "argilla")],
        }
        for what, args in cases.items():
            line = one_line_error(run(args), after_notes=what.startswith("server"))
            assert str(ro.path) in line, (what, line)
        assert tree(ro.path) == before


def test_pull_into_a_read_only_workdir_stops_before_asking_argilla(tmp_path):
    with read_only(tmp_path) as ro:
        config = make_config(tmp_path, benchmarks=["arc"], workdir=str(ro.path / "work"))
        result = run(
            ["pull", "-c", str(config)],
            env={"ARGILLA_API_URL": "http://127.0.0.1:9", "ARGILLA_API_KEY": "annotate.x"},
        )
        line = one_line_error(result)
        assert str(ro.path / "work") in line
        assert "127.0.0.1:9" not in line


def test_report_out_an_existing_folder_or_under_a_file(campaign, tmp_path):
    config, _workdir = campaign
    folder = tmp_path / "already-a-folder"
    folder.mkdir()
    line = one_line_error(run(["report", "-c", str(config), "--out", str(folder)]))
    assert str(folder) in line and "folder" in line
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    line = one_line_error(run(["report", "-c", str(config), "--out", str(blocker / "r.html")]))
    assert str(blocker) in line
    assert blocker.read_text() == "x" and list(folder.iterdir()) == []


# --- locks ------------------------------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from annotate.lock import hold
with hold(Path(sys.argv[1]), "annotate pull -c holder.yaml"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_run_waits_says_for_whom_and_takes_over_from_a_killed_holder(tmp_path):
    lock = tmp_path / "work" / ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        said: list[str] = []
        got = threading.Event()

        def second() -> None:
            with hold(lock, "annotate pull -c second.yaml", say=said.append):
                got.set()

        waiter = threading.Thread(target=second, daemon=True)
        waiter.start()
        waiter.join(timeout=2)
        assert not got.is_set()  # still waiting while the holder lives
        assert len(said) == 1
        assert f"pid {holder.pid}" in said[0] and "annotate pull -c holder.yaml" in said[0]
        holder.kill()  # kill -9: the kernel drops the lock with the process
        holder.wait()
        waiter.join(timeout=60)
        assert got.is_set()
    finally:
        holder.kill()
        holder.wait()
    # the same process may take its own lock again (publish resolves under it)
    with hold(lock, "outer", say=None), hold(lock, "inner", say=None):
        pass
    assert lock.read_text() == ""


# --- the users' CSV ---------------------------------------------------------------------


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_users_csv_roles_and_passwords_are_honoured_or_refused(tmp_path):
    users = read_users_csv(
        _csv(tmp_path, "username,role,password\nana,admin,\nben,,s3cret-pass\ncris,Annotator,\n")
    )
    assert [(u["username"], u["role"], u["password"]) for u in users] == [
        ("ana", "admin", None),
        ("ben", "annotator", "s3cret-pass"),
        ("cris", "annotator", None),
    ]
    refused = {
        "username,role\nana,owner\n": "role 'owner'",
        "username,role\nana,boss\n": "unknown role 'boss'",
        "username,email\nana,ana@example.org\n": "column 'email'",
        "username,notes\nana,x\n": "unknown column 'notes'",
        "username,password\nana,short\n": "has 5 characters",
    }
    for text, fragment in refused.items():
        with pytest.raises(ConfigError, match=fragment) as caught:
            read_users_csv(_csv(tmp_path, text))
        assert "short" not in str(caught.value) or "password" not in text


def test_passwords_are_reused_from_the_file_and_only_for_accounts_to_create(tmp_path):
    users = read_users_csv(_csv(tmp_path, "username,password\nana,\nben,\ncris,given-password\n"))
    known = {"ana": "from-an-earlier-run"}
    planned = plan_passwords(users, existing={"ben"}, known=known)
    assert planned == {"ana": "from-an-earlier-run"}
    planned = plan_passwords(users, existing=set(), known=known)
    assert planned["ana"] == "from-an-earlier-run" and len(planned["ben"]) >= 12
    assert "cris" not in planned
    out = tmp_path / "pw.csv"
    write_private(out, "username,password\nana,from-an-earlier-run\n")
    assert read_passwords(out) == known
    assert os.stat(out).st_mode & 0o777 == 0o600
    (tmp_path / "bad.csv").write_text("username,password\nana\n")
    with pytest.raises(ConfigError, match="bad.csv:2"):
        read_passwords(tmp_path / "bad.csv")


def test_frames_survive_the_round_trip(campaign):
    _config, workdir = campaign
    responses, records, _meta = store.load(workdir)
    assert isinstance(responses, pd.DataFrame) and len(records) == 1
