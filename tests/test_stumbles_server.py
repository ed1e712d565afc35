"""A new user's first steps against a real Argilla: pulling too early, listing items.

Each test here was written from a stumble met when the campaign was run as a
newcomer would (issue 10, point 10).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from argilla_rest import Rest
from campaigns import OKAPI, cli, cli_json, make_config, scripted_campaign

from annotate.lock import LOCK_NAME
from annotate.model import Q_VERDICT
from annotate.records import question_titles

pytestmark = pytest.mark.server


def _refused(result, config) -> str:
    """The one-line refusal of a pull with nothing to pull."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert str(config.resolve()) in lines[0] and "annotate push" in lines[0]
    assert result.stdout == ""
    return lines[0]


def _campaign_state(workdir: Path) -> list[str]:
    """What a command left in the workdir, less the campaign lock (lock state, not data)."""
    if not workdir.exists():
        return []
    return sorted(p.name for p in workdir.iterdir() if p.name != LOCK_NAME)


def test_pull_before_the_first_push_says_so_and_writes_nothing(argilla_server, tmp_path):
    config = make_config(tmp_path, benchmarks=["arc"])
    workspace = yaml.safe_load(config.read_text())["workspace"]
    for args in (("pull", "-c", str(config)), ("pull", "-c", str(config), "--json")):
        line = _refused(cli(*args, info=argilla_server), config)
        assert f"workspace {workspace!r}" in line
    assert _campaign_state(tmp_path / "work") == []


def test_pull_with_the_workspace_but_no_dataset_writes_nothing(argilla_server, tmp_path):
    rows = json.loads((OKAPI / "m_arc_es_validation.json").read_text(encoding="utf-8"))[:3]
    src = tmp_path / "arc.json"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    pushed = make_config(tmp_path / "a", benchmarks=["arc"], files={"arc": src})
    cli_json("push", "-c", str(pushed), info=argilla_server)
    workspace = yaml.safe_load(pushed.read_text())["workspace"]
    # Another campaign in the same workspace, never pushed: its datasets do not exist.
    other = make_config(tmp_path / "b", benchmarks=["arc", "mmlu"], workspace=workspace)
    line = _refused(cli("pull", "-c", str(other), info=argilla_server), other)
    assert "-arc'" in line and "-mmlu'" in line and f"workspace {workspace!r}" in line
    assert _campaign_state(tmp_path / "b" / "work") == []

    # The same campaign with a benchmark not pushed yet: pull the rest, and say so.
    grown = yaml.safe_load(pushed.read_text())
    grown["benchmarks"].append({**grown["benchmarks"][0], "name": "more"})
    pushed.write_text(yaml.safe_dump(grown), encoding="utf-8")
    partial = cli("pull", "-c", str(pushed), info=argilla_server)
    assert partial.returncode == 0, partial.stderr
    assert "not pushed yet: more (`annotate push -c" in partial.stderr

    # The sample ships no English original: the verdict hint must not ask to compare.
    owner = Rest(argilla_server.url, argilla_server.api_key)
    name = f"{yaml.safe_load(pushed.read_text())['campaign']}-arc"
    dataset = next(d for d in owner.get("/api/v1/me/datasets")["items"] if d["name"] == name)
    questions = owner.get(f"/api/v1/datasets/{dataset['id']}/questions")["items"]
    verdict = next(q for q in questions if q["name"] == Q_VERDICT)
    expected = question_titles("es", with_original=False)[f"{Q_VERDICT}_description"]
    assert verdict["description"] == expected


def test_items_lists_what_needs_review_and_why(argilla_server, tmp_path):
    scripted = scripted_campaign(argilla_server, tmp_path)
    config, ids = str(scripted["config"]), scripted["ids"]
    # A fourth volunteer cannot judge the tied item and says why (a discard is no vote).
    owner, tag = scripted["owner"], scripted["tag"]
    workspace = yaml.safe_load(scripted["config"].read_text())["workspace"]
    ws = next(w for w in owner.get("/api/v1/me/workspaces")["items"] if w["name"] == workspace)
    dora = owner.create_annotator(f"dora-{tag}", "dora-password-123", ws["id"])
    doubt = {"comment": {"value": "No sé qué  significa 'Mercury'."}}
    dora.post(
        f"/api/v1/records/{scripted['rec'][ids[3]]}/responses",
        {"values": doubt, "status": "discarded"},
    )
    cli_json("pull", "-c", config, info=argilla_server)

    resolved = cli("resolve", "-c", config)
    assert resolved.returncode == 0, resolved.stderr
    assert f"Items needing review: 1 (`annotate items -c {config}`" in resolved.stderr

    listed = cli_json("items", "-c", config)
    assert listed["statuses"] == ["needs_review"] and listed["count"] == 1
    (item,) = listed["items"]
    assert item["record_id"] == ids[3] and item["reasons"] == ["the verdicts tied"]
    assert item["votes"] == {"correct": 1, "corrected": 1}
    said = "No sé qué significa 'Mercury'."
    assert item["comments"] == [{"username": f"dora-{tag}", "status": "discarded", "comment": said}]

    waiting = cli_json("items", "-c", config, "--status", "unannotated", "-b", "arc")
    assert [(i["record_id"], i["reasons"]) for i in waiting["items"]] == [
        (ids[4], ["1 of 2 submitted votes"])
    ]
    every = cli_json("items", "-c", config, "--all")
    assert [i["record_id"] for i in every["items"]] == ids
    first = cli_json("items", "-c", config, "--all", "--limit", "2")
    assert first["count"] == len(ids) and first["items"] == every["items"][:2]

    table = cli("items", "-c", config)
    assert table.returncode == 0 and "Items with status needs_review: 1" in table.stdout
    assert "the verdicts tied" in table.stdout
    for bad in (("--status", "reviewed"), ("--benchmark", "nope")):
        refused = cli("items", "-c", config, *bad)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert refused.stderr.startswith("error: ") and bad[1] in refused.stderr
