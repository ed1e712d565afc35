"""`annotate push` and `annotate users add` against the real local Argilla."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from argilla_rest import Rest
from campaigns import OKAPI, arc_campaign, cli, cli_json, make_config

pytestmark = pytest.mark.server


def _datasets(rest: Rest, workspace: str) -> dict[str, dict]:
    workspaces = {w["name"]: w["id"] for w in rest.get("/api/v1/me/workspaces")["items"]}
    if workspace not in workspaces:
        return {}
    return {
        d["name"]: d
        for d in rest.get("/api/v1/me/datasets")["items"]
        if d["workspace_id"] == workspaces[workspace]
    }


def _records(rest: Rest, dataset_id: str) -> list[dict]:
    out, offset = [], 0
    while True:
        page = rest.get(
            f"/api/v1/datasets/{dataset_id}/records",
            params={"offset": offset, "limit": 1000, "include": "responses,suggestions"},
        )["items"]
        out.extend(page)
        if len(page) < 1000:
            return out
        offset += 1000


def _workspace(config: Path) -> str:
    return yaml.safe_load(config.read_text())["workspace"]


def test_sample_push_creates_three_datasets_then_repush_changes_nothing(argilla_server, tmp_path):
    config = make_config(tmp_path)
    first = cli_json("push", "-c", str(config), info=argilla_server)
    by_name = {b["benchmark"]: b for b in first["benchmarks"]}
    assert {k: v["created"] for k, v in by_name.items()} == {
        "arc": 297,
        "mmlu": 272,
        "truthfulqa": 789,
    }
    assert all(b["rejected"] == 0 and b["updated"] == 0 for b in first["benchmarks"])

    rest = Rest(argilla_server.url, argilla_server.api_key)
    datasets = _datasets(rest, _workspace(config))
    counts = {
        name: rest.get(f"/api/v1/datasets/{d['id']}/progress")["total"]
        for name, d in datasets.items()
    }
    assert sorted(counts.values()) == [272, 297, 789]
    arc = next(d for n, d in datasets.items() if n.endswith("-arc"))
    assert arc["distribution"]["min_submitted"] == 2

    # What an annotator sees: the translation rendered, the correction pre-filled.
    record = _records(rest, arc["id"])[0]
    assert "✅" in record["fields"]["translation"]
    suggestion = record["suggestions"][0]["value"]
    assert suggestion.startswith("[[question]]\n")

    second = cli_json("push", "-c", str(config), info=argilla_server)
    for bench in second["benchmarks"]:
        assert bench["created"] == 0 and bench["updated"] == 0
        assert bench["unchanged"] == bench["items"]
    assert {
        name: rest.get(f"/api/v1/datasets/{d['id']}/progress")["total"]
        for name, d in _datasets(rest, _workspace(config)).items()
    } == counts


def test_changed_translation_updates_one_record_and_returns_it_to_the_queue(
    argilla_server, tmp_path
):
    rows, src, config = arc_campaign(tmp_path, 20)
    assert (
        cli_json("push", "-c", str(config), info=argilla_server)["benchmarks"][0]["created"] == 20
    )

    rest = Rest(argilla_server.url, argilla_server.api_key)
    dataset = next(iter(_datasets(rest, _workspace(config)).values()))
    target_id = f"arc:{rows[3]['id']}"
    record = next(r for r in _records(rest, dataset["id"]) if r["external_id"] == target_id)
    rest.respond(record["id"], {"verdict": "correct"})

    rows[3]["instruction"] = "¿Cuál de estas opciones es la correcta? (texto revisado)"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    again = cli_json("push", "-c", str(config), info=argilla_server)["benchmarks"][0]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 19)
    assert again["responses_returned"] == 1 and again["archive"]

    after = {r["external_id"]: r for r in _records(rest, dataset["id"])}
    assert len(after) == 20
    updated = after[target_id]
    assert updated["id"] == record["id"]
    assert "texto revisado" in updated["fields"]["translation"]
    assert "texto revisado" in updated["suggestions"][0]["value"]
    assert updated["responses"] == [] and updated["status"] == "pending"  # archived, not kept


def test_push_killed_halfway_then_rerun_matches_an_uninterrupted_push(argilla_server, tmp_path):
    config = make_config(tmp_path / "a", benchmarks=["arc"])
    rest = Rest(argilla_server.url, argilla_server.api_key)
    env = {
        **os.environ,
        "ARGILLA_API_URL": argilla_server.url,
        "ARGILLA_API_KEY": argilla_server.api_key,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "annotate", "push", "-c", str(config), "--batch-size", "10"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_at = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        datasets = _datasets(rest, _workspace(config))
        if datasets:
            total = rest.get(f"/api/v1/datasets/{next(iter(datasets.values()))['id']}/progress")[
                "total"
            ]
            if 0 < total < 297:
                proc.send_signal(signal.SIGKILL)
                killed_at = total
                break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert killed_at is not None, "the push finished before it could be interrupted"

    rerun = cli_json("push", "-c", str(config), info=argilla_server)["benchmarks"][0]
    assert rerun["created"] + rerun["unchanged"] == 297 and rerun["updated"] == 0
    interrupted = {
        r["external_id"]: (r["fields"], r["metadata"]["content_hash"])
        for r in _records(rest, next(iter(_datasets(rest, _workspace(config)).values()))["id"])
    }

    clean_config = make_config(tmp_path / "b", benchmarks=["arc"])
    cli_json("push", "-c", str(clean_config), info=argilla_server)
    clean = {
        r["external_id"]: (r["fields"], r["metadata"]["content_hash"])
        for r in _records(
            rest, next(iter(_datasets(rest, _workspace(clean_config)).values()))["id"]
        )
    }
    assert len(interrupted) == 297
    assert interrupted == clean


def test_dry_run_of_one_benchmark_changes_nothing(argilla_server, tmp_path):
    config = make_config(tmp_path)  # all three benchmarks; --benchmark picks one
    plan = cli_json(
        "push", "-c", str(config), "--dry-run", "--benchmark", "mmlu", info=argilla_server
    )
    assert plan["dry_run"] is True
    assert [b["benchmark"] for b in plan["benchmarks"]] == ["mmlu"]
    assert plan["benchmarks"][0]["created"] == 272
    rest = Rest(argilla_server.url, argilla_server.api_key)
    assert _datasets(rest, _workspace(config)) == {}


BAD_INPUTS = {
    "malformed YAML": ("campaign: [unclosed\n", "campaign-"),
    "unknown key": (None, "colour"),
    "missing file": (None, "does-not-exist.json"),
    "missing column": (None, "instruction"),
    "duplicate ids": (None, "duplicate"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_and_creates_nothing(argilla_server, tmp_path, case):
    rows = json.loads((OKAPI / "m_arc_es_validation.json").read_text(encoding="utf-8"))[:5]
    src = tmp_path / "arc.json"
    if case == "missing column":
        for row in rows:
            del row["instruction"]
    if case == "duplicate ids":
        rows[4]["id"] = rows[1]["id"]
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    config = make_config(tmp_path, benchmarks=["arc"], files={"arc": src})
    if case == "malformed YAML":
        config.write_text(BAD_INPUTS[case][0])
    elif case == "unknown key":
        data = yaml.safe_load(config.read_text())
        data["colour"] = "blue"
        config.write_text(yaml.safe_dump(data))
    elif case == "missing file":
        data = yaml.safe_load(config.read_text())
        data["benchmarks"][0]["translation"]["path"] = str(tmp_path / "does-not-exist.json")
        config.write_text(yaml.safe_dump(data))

    result = cli("push", "-c", str(config), info=argilla_server)
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert BAD_INPUTS[case][1] in lines[0]
    assert "Traceback" not in result.stderr
    rest = Rest(argilla_server.url, argilla_server.api_key)
    workspace = yaml.safe_load(config.read_text() if case != "malformed YAML" else "{}") or {}
    if workspace.get("workspace"):
        assert _datasets(rest, workspace["workspace"]) == {}


def test_users_add_creates_reuses_and_keeps_passwords_off_the_terminal(argilla_server, tmp_path):
    csv_path = tmp_path / "volunteers.csv"
    csv_path.write_text("username,first_name\nlucia,Lucía\nmarc,Marc\n", encoding="utf-8")
    out = tmp_path / "secret" / "passwords.csv"
    first = cli_json(
        "users",
        "add",
        "--workspace",
        "ws-users",
        "--file",
        str(csv_path),
        "--passwords-out",
        str(out),
        info=argilla_server,
    )
    assert [u["account"] for u in first["users"]] == ["created", "created"]
    assert out.stat().st_mode & 0o077 == 0
    passwords = dict(line.split(",") for line in out.read_text().strip().splitlines()[1:])
    assert set(passwords) == {"lucia", "marc"}
    # The new accounts can log in with the written passwords.
    import httpx

    token = httpx.post(
        f"{argilla_server.url}/api/v1/token",
        data={"username": "lucia", "password": passwords["lucia"]},
    )
    assert token.status_code == 201
    shown = cli(
        "users",
        "add",
        "--workspace",
        "ws-users",
        "--file",
        str(csv_path),
        "--passwords-out",
        str(out),
        info=argilla_server,
    )
    assert shown.returncode == 0
    for pw in passwords.values():
        assert pw not in shown.stdout and pw not in shown.stderr
    assert "existing" in shown.stdout and "already a member" in shown.stdout


def test_push_refuses_an_existing_dataset_with_other_settings(argilla_server, tmp_path):
    import argilla as rg

    config = make_config(tmp_path, benchmarks=["arc"])
    data = yaml.safe_load(config.read_text())
    client = rg.Argilla(api_url=argilla_server.url, api_key=argilla_server.api_key)
    workspace = rg.Workspace(name=data["workspace"], client=client).create()
    settings = rg.Settings(
        fields=[rg.TextField(name="text")],
        questions=[rg.LabelQuestion(name="sentiment", labels=["pos", "neg"])],
    )
    rg.Dataset(
        name=f"{data['campaign']}-arc", workspace=workspace, settings=settings, client=client
    ).create()

    result = cli("push", "-c", str(config), info=argilla_server)
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "exists with other settings" in lines[0]
    assert f"{data['campaign']}-arc" in lines[0]
    dataset = client.datasets(name=f"{data['campaign']}-arc", workspace=data["workspace"])
    assert len(list(dataset.records)) == 0


def test_a_record_argilla_refuses_is_named_and_its_batch_not_half_stored(argilla_server, tmp_path):
    """push sends the bulk upsert itself: a refusal is one line naming the record (the
    server says only its position in the batch), and the batch is stored whole or not."""
    from annotate import argilla_io, records
    from annotate.config import load_config
    from annotate.connection import Connection
    from annotate.errors import AnnotateError
    from annotate.pairing import load_benchmark
    from annotate.push import design_for

    config = make_config(tmp_path, benchmarks=["arc"])
    cfg = load_config(config)
    bench = cfg.benchmarks[0]
    items = load_benchmark(cfg, bench).items[:3]
    client = argilla_io.connect(Connection(argilla_server.url, argilla_server.api_key, "test"))
    workspace = argilla_io.ensure_workspace(client, cfg.workspace)
    dataset, _ = argilla_io.ensure_dataset(client, design_for(cfg, bench, items), workspace)
    payloads = [records.record_payload(it, lang=cfg.language) for it in items]
    payloads[2]["suggestions"]["verdict"] = "no-such-label"
    with pytest.raises(AnnotateError) as refused:
        argilla_io.log_records(client, dataset, payloads)
    message = str(refused.value)
    assert payloads[2]["id"] in message and dataset.name in message and "\n" not in message
    rest = Rest(argilla_server.url, argilla_server.api_key)
    assert _records(rest, str(dataset.id)) == []

    del payloads[2]["suggestions"]["verdict"]
    argilla_io.log_records(client, dataset, payloads, batch_size=2)
    stored = {r["external_id"]: r for r in _records(rest, str(dataset.id))}
    assert sorted(stored) == sorted(p["id"] for p in payloads)
    for p in payloads:
        [suggestion] = stored[p["id"]]["suggestions"]
        assert suggestion["value"] == p["suggestions"]["correction"]
        assert stored[p["id"]]["metadata"] == p["metadata"]


def test_repush_lists_records_without_texts_unless_an_item_changed(argilla_server, tmp_path):
    """An unchanged source is re-pushed from a listing without texts or responses (half
    the time); one changed row needs them (its responses go back), so it lists them."""
    from proxy import FaultProxy

    rows, src, config = arc_campaign(tmp_path, 8)
    cli_json("push", "-c", str(config), info=argilla_server)
    rest = Rest(argilla_server.url, argilla_server.api_key)
    dataset = next(iter(_datasets(rest, _workspace(config)).values()))
    target = f"arc:{rows[2]['id']}"
    record = next(r for r in _records(rest, dataset["id"]) if r["external_id"] == target)
    rest.respond(record["id"], {"verdict": "correct"})

    def listings(change: bool) -> tuple[dict, list]:
        seen = []

        def watch(req):
            if req.method == "GET" and req.path.endswith("/records"):
                seen.append(req.query.get("include", [None])[0])

        if change:
            rows[2]["instruction"] = "¿Qué opción es la correcta? (revisada)"
            src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        with FaultProxy(argilla_server.url, watch) as proxy:
            env = {"ARGILLA_API_URL": proxy.url, "ARGILLA_API_KEY": argilla_server.api_key}
            return cli_json("push", "-c", str(config), env=env)["benchmarks"][0], seen

    same, seen = listings(change=False)
    assert (same["created"], same["updated"], same["unchanged"]) == (0, 0, 8)
    assert seen and set(seen) == {None}
    changed, seen = listings(change=True)
    assert (changed["updated"], changed["responses_returned"]) == (1, 1)
    assert seen[-1] == "responses,suggestions"
