"""No secret leaks: a whole campaign through the CLI, then every output and every file
the tool wrote is searched for the credentials it handled.

The campaign runs on a server of its own, with its own annotate home and working folder,
so every file found there was written by this run: server start, push, users add,
annotators answering (one writes an e-mail address and a Hub token in a comment, as
volunteers do), pull, resolve, publish to a folder and to the loopback Hub with an
HF_TOKEN, status, report, server stop.

Secrets: the owner's API key and password, the annotators' passwords and API keys, the
Hub token. Only `server start` may print the owner's (it is how the owner learns them),
and only the credential files may hold them: connection.json, auth-secret and the
database in the server's data folder, and the passwords file `users add` writes. Those
must be readable by their owner only. Published files must hold no e-mail address and
nothing shaped like a key, checked on the raw bytes and on every parquet cell.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from argilla_rest import Rest
from campaigns import make_config
from conftest import free_port
from hub_emulator import HubEmulator

pytestmark = pytest.mark.server

HUB_TOKEN = "hf_secretsTestToken0123456789abcdef"
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
KEY_SHAPES = re.compile(rb"\bhf_[A-Za-z0-9]{8,}|\bannotate\.[A-Za-z0-9_-]{8,}")
BAIT_EMAIL = "ana.volunteer@example.org"
BAIT_TOKEN = "hf_pastedByMistake0123456789XYZ"
# Where credentials legitimately live (relative to the server's data folder).
# (SQLite in WAL mode keeps recent writes in argilla.db-wal and its index in -shm: the database)
CREDENTIAL_FILES = {
    "connection.json",
    "auth-secret",
    "argilla.db",
    "argilla.db-wal",
    "argilla.db-shm",
}


def _run(*args: str, env: dict, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _parquet_cells(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    cells = [str(name) for name in table.column_names]
    for column in table.columns:
        cells += [json.dumps(v, default=str) for v in column.to_pylist()]
    return cells


def _texts(path: Path) -> list[bytes]:
    """The file's bytes, plus every parquet cell decoded (compression can hide a string)."""
    out = [path.read_bytes()]
    if path.suffix == ".parquet":
        out += [cell.encode("utf-8") for cell in _parquet_cells(path)]
    return out


def _private(path: Path) -> bool:
    return path.stat().st_mode & 0o077 == 0


def test_a_whole_campaign_leaks_no_secret(tmp_path):
    home, data_dir, cwd = tmp_path / "home", tmp_path / "argilla-data", tmp_path / "cwd"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGILLA_", "HF_"))}
    env["ANNOTATE_HOME"] = str(home)  # the CLI finds the server through it: no key in env
    hub_root = tmp_path / "hub"
    outputs: list[tuple[str, subprocess.CompletedProcess]] = []

    def run(*args: str, extra: dict | None = None, check: bool = True):
        result = _run(*args, env={**env, **(extra or {})}, cwd=cwd)
        outputs.append((" ".join(args[:2]), result))
        if check:
            assert result.returncode == 0, f"{args}: {result.stderr}"
        return result

    start = _run(
        "server", "start", "--data-dir", str(data_dir), "--port", str(free_port()), "--json",
        env=env, cwd=cwd,
    )  # fmt: skip
    assert start.returncode == 0, start.stderr
    owner = json.loads(start.stdout)
    secrets = {"owner API key": owner["api_key"], "owner password": owner["password"]}
    commands = _run("--help", env=env, cwd=cwd).stdout
    try:
        config = make_config(tmp_path / "campaign", workdir=str(tmp_path / "work"))
        workspace = yaml.safe_load(config.read_text(encoding="utf-8"))["workspace"]
        run("push", "-c", str(config), "--limit", "8")

        volunteers = tmp_path / "volunteers.csv"
        volunteers.write_text(
            "username,first_name,last_name\nana-s,Ana,Pérez\nben-s,Ben,\ncris-s,Cris,López\n",
            encoding="utf-8",
        )
        passwords = tmp_path / "private" / "passwords.csv"
        run("users", "add", "-w", workspace, "-f", str(volunteers), "--passwords-out",
            str(passwords))  # fmt: skip
        for line in passwords.read_text(encoding="utf-8").strip().splitlines()[1:]:
            name, password = line.split(",")
            secrets[f"{name}'s password"] = password

        rest = Rest(owner["url"], owner["api_key"])
        users = {u["username"]: u for u in rest.get("/api/v1/users")["items"]}
        annotators = {
            n: Rest(owner["url"], users[n]["api_key"]) for n in ("ana-s", "ben-s", "cris-s")
        }
        for name in annotators:
            secrets[f"{name}'s API key"] = users[name]["api_key"]
        ws_id = next(
            w["id"] for w in rest.get("/api/v1/me/workspaces")["items"] if w["name"] == workspace
        )
        datasets = [
            d for d in rest.get("/api/v1/me/datasets")["items"] if d["workspace_id"] == ws_id
        ]
        assert len(datasets) == 3
        for dataset in datasets:
            records = rest.get(f"/api/v1/datasets/{dataset['id']}/records")["items"]
            for i, record in enumerate(records[:5]):
                for j, (name, user) in enumerate(annotators.items()):
                    values = {"verdict": "correct" if (i + j) % 3 else "unusable"}
                    if name == "ana-s" and i == 0:
                        values["comment"] = f"Escríbeme a {BAIT_EMAIL}, token {BAIT_TOKEN}"
                    user.respond(record["id"], values)

        run("pull", "-c", str(config))
        run("resolve", "-c", str(config))
        release = tmp_path / "release"
        run("publish", "-c", str(config), "--to", str(release))
        with HubEmulator(hub_root, token=HUB_TOKEN) as hub:
            hub_env = hub.client_env(tmp_path / "hf-cache", token=HUB_TOKEN, base={})
            repo = "somosnlp/secrets-check"
            run("publish", "-c", str(config), "--to", f"hf://datasets/{repo}", extra=hub_env)
            hub_files = hub.files(repo)
        assert any(p.endswith(".parquet") for p in hub_files)
        if "status" in commands:
            run("status", "-c", str(config))
        report = tmp_path / "report.html"
        if "report" in commands:
            run("report", "-c", str(config), "--out", str(report))
            assert report.exists()
        run("server", "status", "--data-dir", str(data_dir))
    finally:
        outputs.append(("server stop", _run("server", "stop", "--data-dir", str(data_dir),
                                            env=env, cwd=cwd)))  # fmt: skip

    assert len(secrets) == 2 + 3 + 3
    assert any(BAIT_EMAIL in value for value in _responses_seen(tmp_path / "work"))

    # 1. Nothing the CLI printed holds a secret (but the owner's own `server start`).
    for label, result in outputs:
        for what, secret in secrets.items():
            assert secret not in result.stdout + result.stderr, f"{what} in the output of {label}"
    assert HUB_TOKEN not in "".join(r.stdout + r.stderr for _, r in outputs)
    secrets["Hub token"] = HUB_TOKEN

    # 2. No file written by the tool holds one, outside the credential files.
    written = {
        "campaign workdir": tmp_path / "work",
        "publish folder": release,
        "Hub emulator": hub_root,
        "Hub client cache": tmp_path / "hf-cache",
        "annotate home": home,
        "working directory": cwd,
        "server data": data_dir,
        "report": report,
    }
    scanned = 0
    for label, root in written.items():
        files = [root] if root.is_file() else _files(root)
        for path in files:
            if label == "server data" and path.relative_to(data_dir).parts[0] in CREDENTIAL_FILES:
                continue
            scanned += 1
            for blob in _texts(path):
                for what, secret in secrets.items():
                    assert secret.encode() not in blob, f"{what} in {label}: {path}"
    assert scanned > 20

    # 3. Credential files are the owner's alone (the database: through its folder).
    for path in (
        data_dir / "connection.json",
        data_dir / "auth-secret",
        passwords,
        home / "current-server.json",
    ):
        assert path.exists() and _private(path), path
    assert _private(data_dir)

    # 4. Published data: no e-mail address, nothing shaped like a key, anywhere.
    published = {f"folder:{p.relative_to(release)}": _texts(p) for p in _files(release)}
    for name, content in hub_files.items():
        blobs = [content]
        if name.endswith(".parquet"):
            path = tmp_path / "hub-file.parquet"
            path.write_bytes(content)
            blobs += [c.encode() for c in _parquet_cells(path)]
        published[f"hub:{name}"] = blobs
    assert any(name.endswith("responses/train-00000-of-00001.parquet") for name in published)
    for name, blobs in published.items():
        for blob in blobs:
            assert not EMAIL.search(blob), f"an e-mail address in {name}: {EMAIL.search(blob)}"
            assert not KEY_SHAPES.search(blob), f"a key in {name}: {KEY_SHAPES.search(blob)}"


def _responses_seen(workdir: Path) -> list:
    """The comments pull stored (proof the bait reached the pipeline, so step 4 means it)."""
    import pandas as pd

    from annotate import store

    responses = store.read_snapshot(store.latest(workdir))[0]
    return [v for v in responses["value"].tolist() if isinstance(v, str) and not pd.isna(v)]
