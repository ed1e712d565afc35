"""Triage against the real server: turned on in a running campaign, its score lands on
every record without sending one answered record back, and resolve measures it."""

from __future__ import annotations

import json

import pytest
import yaml
from campaigns import cli, cli_json, scripted_campaign

pytestmark = pytest.mark.server


def _records(owner, dataset_id: str) -> dict[str, dict]:
    items = owner.get(
        f"/api/v1/datasets/{dataset_id}/records",
        params={"include": "responses", "limit": 100},
    )["items"]
    return {r["external_id"]: r for r in items}


def test_triage_turned_on_mid_campaign(argilla_server, tmp_path):
    s = scripted_campaign(argilla_server, tmp_path)  # pushed without triage, then answered
    owner, ids, config = s["owner"], s["ids"], s["config"]
    dataset = next(
        d
        for d in owner.get("/api/v1/me/datasets")["items"]
        if d["name"].endswith("-arc") and d["name"].startswith(f"test-{s['tag']}")
    )
    before = _records(owner, dataset["id"])

    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    cfg["triage"] = {"enabled": True, "prioritize": True}
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), "utf-8")
    (row,) = cli_json("push", "-c", str(config), info=argilla_server)["benchmarks"]
    # item 5's MT made options A and B both "velocidad": the only finding of the six
    assert row["triage_flagged"] == 1 and row["triage_refreshed"] == 6
    assert (row["updated"], row["created"], row["responses_returned"]) == (0, 0, 0)
    # (the first re-push after a creation also re-sends the guidelines: not triage's doing)
    assert row["settings_updated"][-2:] == [
        "metadata 'triage_score' added",
        "metadata 'annotate_priority' added",
    ]

    after = _records(owner, dataset["id"])
    for rid in ids:
        meta = after[rid]["metadata"]
        # one major finding: 1 - (1 - 0.5) = 0.5; none: 0.0
        expected = 0.5 if rid == ids[5] else 0.0
        assert meta["triage_score"] == expected and meta["annotate_priority"] == expected
        assert meta["content_hash"] == before[rid]["metadata"]["content_hash"]
        # every response stays, with its status: nothing went back to the queue
        assert sorted((x["id"], x["status"]) for x in after[rid]["responses"]) == sorted(
            (x["id"], x["status"]) for x in before[rid]["responses"]
        )
        assert after[rid]["status"] == before[rid]["status"]
    props = {
        p["name"]: p
        for p in owner.get(f"/api/v1/me/datasets/{dataset['id']}/metadata-properties")["items"]
    }
    assert props["triage_score"]["settings"]["type"] == "float"
    assert props["annotate_priority"]["visible_for_annotators"] is False

    # a second push has nothing to write
    (again,) = cli_json("push", "-c", str(config), info=argilla_server)["benchmarks"]
    assert (again["triage_refreshed"], again["updated"], again["settings_updated"]) == (0, 0, [])

    cli_json("pull", "-c", str(config), info=argilla_server)
    # resolve once, for people (the table); its --json summary is the saved summary.json
    shown = cli("resolve", "-c", str(config))
    assert shown.returncode == 0, shown.stderr
    summary = json.loads((tmp_path / "work" / "resolved" / "summary.json").read_text("utf-8"))
    rows = {r["check"]: r for r in summary["triage"]["checks"]}
    # statuses (campaigns.scripted_campaign): 0 validated, 1 corrected, 2 unusable,
    # 3 needs_review and 4 unannotated (left out), 5 corrected. `choices` flags item 5
    # only: TP 1, FP 0, FN 2 (items 1 and 2), TN 1 (item 0).
    assert {k: rows["choices"][k] for k in ("tp", "fp", "fn", "tn")} == {
        "tp": 1,
        "fp": 0,
        "fn": 2,
        "tn": 1,
    }
    assert (rows["choices"]["precision"], rows["choices"]["recall"]) == (1.0, 0.3333)
    assert rows["numbers"]["flagged"] == 0 and rows["numbers"]["precision"] is None
    assert summary["triage"]["benchmarks"]["arc"] == summary["triage"]["checks"]
    assert "Triage checks against the verdicts" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if " choices " in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells == ["choices", "1", "1", "0", "2", "1", "100%", "33%"]
    page = tmp_path / "report.html"
    assert cli("report", "-c", str(config), "--out", str(page)).returncode == 0
    html = page.read_text(encoding="utf-8")
    assert 'id="triage"' in html and "Empty or duplicated choices" not in html  # Spanish page
    assert "Opciones vacías o repetidas" in html


def test_esa_campaign_gets_triage_spans_pre_filled(argilla_server, tmp_path):
    import pandas as pd
    from argilla_rest import Rest
    from campaigns import arc_campaign, pushed_dataset

    from annotate import esa

    rows, src, config = arc_campaign(
        tmp_path, 6, protocol="esa", triage={"enabled": True, "prioritize": True}
    )
    (row,) = cli_json("push", "-c", str(config), info=argilla_server)["benchmarks"]
    assert row["triage_flagged"] == 1
    owner = Rest(argilla_server.url, argilla_server.api_key)
    _, dataset = pushed_dataset(owner, config)
    records = owner.get(
        f"/api/v1/datasets/{dataset['id']}/records",
        params={"include": "suggestions", "limit": 100},
    )["items"]
    by_id = {r["external_id"]: r for r in records}
    flagged = by_id[f"arc:{rows[5]['id']}"]  # options A and B both "velocidad"
    (spans,) = [s for s in flagged["suggestions"] if isinstance(s["value"], list)]
    assert spans["agent"] == "annotate-triage"
    (span,) = spans["value"]
    assert span["label"] == "mistranslation:major"  # the sample has error categories on
    text = flagged["fields"][esa.SPAN_FIELD]
    lay = esa.parse_layout(text, ["question", "A", "B", "C", "D"])
    (back,) = esa.segment_offsets(lay, span["start"], span["end"])
    assert (back.segment, back.start, back.end) == ("B", 0, len("velocidad"))
    for rid, record in by_id.items():  # the others carry no span suggestion at all
        if record is not flagged:
            assert all(isinstance(s["value"], str) for s in record["suggestions"]), rid
    # an annotator can keep the pre-filled span and submit; pull still reads the correction
    ws, _ = pushed_dataset(owner, config)
    ana = owner.create_annotator(f"ana-{ws['name'][-8:]}", "ana-password-123", ws["id"])
    # the contract with the embedded engine: annotate_priority first in every queue
    queue = [hit["record"]["id"] for hit in ana.queue(dataset["id"])["items"]]
    assert queue[0] == flagged["id"] and len(queue) == 6
    ana.respond(
        flagged["id"],
        {esa.SPAN_QUESTION: spans["value"], esa.SCORE_QUESTION: 5, "verdict": "corrected"},
    )
    result = cli_json("pull", "-c", str(config), info=argilla_server)
    pulled = pd.read_parquet(f"{result['path']}/records.parquet").set_index("record_id")
    # (the REST API names a suggestion's question by id only: pull reads the correction
    # as the one text-valued suggestion, never triage's list of spans)
    assert pulled["suggestion"].str.startswith("[[question]]").eq(True).all()
