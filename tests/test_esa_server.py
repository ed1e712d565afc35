"""An ESA campaign end to end on the real server: push, two scripted annotators mark spans
and score through the REST API (as the UI does), then pull, resolve, publish and report
give exactly the figures worked out by hand below."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from argilla_rest import Rest
from campaigns import (
    arc_campaign,
    cli,
    cli_json,
    one_error_line,
    pushed_dataset,
)

from annotate import esa
from annotate.model import parse_correction

pytestmark = pytest.mark.server


def segments_of(record: dict) -> dict[str, str]:
    text = record["suggestions"][0]["value"]
    names = [ln[2:-2] for ln in text.splitlines() if ln.startswith("[[") and ln.endswith("]]")]
    return parse_correction(text, names)


@pytest.fixture(scope="module")
def esa_campaign(argilla_server, tmp_path_factory):
    """Three ARC items, answered by ana and ben as scripted (the hand-worked figures are
    in the comments and in the tests)."""
    tmp = tmp_path_factory.mktemp("esa")
    rows, _src, config = arc_campaign(tmp, 3, protocol="esa")
    cli_json("push", "-c", str(config), info=argilla_server)
    owner = Rest(argilla_server.url, argilla_server.api_key)
    ws, dataset = pushed_dataset(owner, config)
    records = owner.get(
        f"/api/v1/datasets/{dataset['id']}/records",
        params={"include": "suggestions", "limit": 100},
    )["items"]
    by_id = {r["external_id"]: r for r in records}
    ids = [f"arc:{row['id']}" for row in rows]
    tag = ws["name"][-8:]
    ana, ben = (
        owner.create_annotator(f"{n}-{tag}", f"{n}-password-123", ws["id"]) for n in ("ana", "ben")
    )
    lays = {}
    for rid in ids:
        rec = by_id[rid]
        lays[rid] = esa.parse_layout(rec["fields"][esa.SPAN_FIELD], list(segments_of(rec)))

    def span(rid: str, segment: str, start: int, end: int, label: str) -> dict:
        s, e = esa.field_offsets(lays[rid], segment, start, end)
        return {"start": s, "end": e, "label": label}

    def omission(rid: str, segment: str, label: str) -> dict:
        s, e = esa.missing_offsets(lays[rid], segment)
        return {"start": s, "end": e, "label": label}

    def answer(user: Rest, rid: str, score: int, spans: list, verdict: str, **kw) -> None:
        values = {esa.SPAN_QUESTION: spans, esa.SCORE_QUESTION: score, "verdict": verdict}
        user.respond(by_id[rid]["id"], values, **kw)

    i0, i1, i2 = ids
    # item 0: ana: question[0:3] major (5) + omission in A, minor (1) = 6, score 6;
    #         ben: question[1:5] minor (1), score 8.
    #   ESA (6 + 8) / 2 * 10 = 70; MQM (6 + 1) / 2 = 3.5 (question 3, A 0.5).
    #   F1: ana marked 3 + 9 ([MISSING]) = 12 characters, ben 4, both 1..3 = 2:
    #   2 * 2 / (12 + 4) = 0.25. Both say correct: validated.
    spans0 = [
        span(i0, "question", 0, 3, "mistranslation:major"),
        omission(i0, "A", "omission_addition:minor"),
    ]
    answer(ana, i0, 6, spans0, "correct")
    answer(ben, i0, 8, [span(i0, "question", 1, 5, "grammar_spelling:minor")], "correct")
    # item 1: ana: no error, score 10; ben: B[0:2] minor punctuation (0.1), score 9.
    #   ESA 95; MQM (0 + 0.1) / 2 = 0.05; F1: 0 / (0 + 2) = 0. validated.
    answer(ana, i1, 10, [], "correct")
    answer(ben, i1, 9, [span(i1, "B", 0, 2, "punctuation:minor")], "correct")
    # item 2: ana: C[0:4] non-translation (25, and C's other error counts 0) + six minor
    #   grammar errors in the question (the 5 heaviest count: 5) = 30, score 2;
    #   ben only saves a draft (does not count). ESA 20, MQM 30, no pair: no F1.
    #   One submitted verdict of two needed: unannotated.
    spans2 = [span(i2, "C", 0, 4, "non_translation"), span(i2, "C", 4, 6, "terminology:major")]
    spans2 += [span(i2, "question", k, k + 1, "grammar_spelling:minor") for k in range(0, 12, 2)]
    answer(ana, i2, 2, spans2, "unusable")
    answer(ben, i2, 0, [], "unusable", status="draft")
    return {
        "config": config,
        "owner": owner,
        "dataset": dataset,
        "records": [by_id[i] for i in ids],
        "ids": ids,
        "spans0": spans0,
    }


def test_the_esa_dataset_has_the_layout(esa_campaign):
    owner, dataset = esa_campaign["owner"], esa_campaign["dataset"]
    questions = owner.get(f"/api/v1/datasets/{dataset['id']}/questions")["items"]
    by_name = {q["name"]: q for q in questions}
    span = by_name[esa.SPAN_QUESTION]["settings"]
    assert span["type"] == "span" and span["field"] == esa.SPAN_FIELD
    assert [o["value"] for o in span["options"]] == list(esa.span_labels(True))
    score = by_name[esa.SCORE_QUESTION]["settings"]
    assert [o["value"] for o in score["options"]] == list(range(11))
    fields = {f["name"]: f for f in owner.get(f"/api/v1/datasets/{dataset['id']}/fields")["items"]}
    assert fields[esa.SPAN_FIELD]["settings"]["use_markdown"] is False
    for record in esa_campaign["records"]:
        segments = segments_of(record)
        lay = esa.parse_layout(record["fields"][esa.SPAN_FIELD], list(segments))
        assert {n: lay.text[s:e] for n, (s, e) in lay.segments.items()} == segments


def test_pull_resolve_publish_give_the_hand_worked_figures(esa_campaign, argilla_server, tmp_path):
    config, ids = str(esa_campaign["config"]), esa_campaign["ids"]
    pulled = cli_json("pull", "-c", config, info=argilla_server)
    responses = pd.read_parquet(f"{pulled['path']}/responses.parquet")
    first = responses[
        (responses["record_id"] == ids[0]) & responses["username"].str.startswith("ana")
    ]
    mine = first.set_index("question")["value"]
    assert json.loads(mine[esa.SPAN_QUESTION]) == esa_campaign["spans0"]
    assert mine[esa.SCORE_QUESTION] == "6"

    summary = cli_json("resolve", "-c", config)
    assert summary["status_counts"]["arc"]["validated"] == 2
    assert summary["status_counts"]["arc"]["unannotated"] == 1
    arc = summary["mt_quality"]["benchmarks"]["arc"]
    # (70 + 95 + 20) / 3 = 61.6667; (3.5 + 0.05 + 30) / 3 = 11.1833; F1 (4 + 0) / (16 + 2)
    assert (arc["items"], arc["scored_items"]) == (3, 3)
    assert arc["esa_score"] == 61.6667 and arc["mqm_penalty"] == 11.1833
    assert arc["span_f1"] == 0.2222
    assert arc["esa_low"] <= 61.6667 <= arc["esa_high"]
    cats = {
        c["category"]: c for c in summary["mt_quality"]["categories"] if c["benchmark"] == "arc"
    }
    # per scored item: non-translation 25/3, grammar (1/2 + 5)/3, mistranslation (5/2)/3,
    # omission (1/2)/3, punctuation (0.1/2)/3, terminology 0 (C is a non-translation)
    assert {k: c["penalty_per_item"] for k, c in cats.items()} == {
        "non_translation": 8.3333,
        "grammar_spelling": 1.8333,
        "mistranslation": 0.8333,
        "omission_addition": 0.1667,
        "punctuation": 0.0167,
        "terminology": 0.0,
    }
    assert (cats["grammar_spelling"]["minor"], cats["terminology"]["major"]) == (7, 1)
    table = cli("resolve", "-c", config)
    assert "MT quality" in table.stdout and "61.7" in table.stdout

    out = tmp_path / "release"
    cli_json("publish", "-c", config, "--to", str(out))
    rows = pd.read_parquet(next((out / "data" / "arc").glob("*.parquet"))).set_index("record_id")
    assert list(rows.loc[ids, "mt_esa_score"]) == [70.0, 95.0, 20.0]
    assert list(rows.loc[ids, "mt_mqm_penalty"]) == [3.5, 0.05, 30.0]
    assert json.loads(rows.loc[ids[0], "mt_segment_penalty"]) == {"question": 3.0, "A": 0.5}
    assert json.loads(rows.loc[ids[2], "mt_segment_penalty"]) == {"C": 25.0, "question": 5.0}
    assert list(rows.columns[-3:]) == ["mt_esa_score", "mt_mqm_penalty", "mt_segment_penalty"]
    published = pd.read_parquet(next((out / "data" / "responses").glob("*.parquet")))
    spans = published[
        (published["record_id"] == ids[0])
        & (published["question"] == esa.SPAN_QUESTION)
        & (published["status"] == "submitted")
    ]
    placed = sorted((json.loads(v) for v in spans["value"]), key=len)[-1]  # ana's two spans
    seg = segments_of(esa_campaign["records"][0])
    where = [(p["segment"], p["segment_start"], p["segment_end"], p["missing"]) for p in placed]
    assert where == [("question", 0, 3, False), ("A", len(seg["A"]), len(seg["A"]), True)]
    assert placed[0]["text"] == seg["question"][0:3] and placed[1]["text"] == ""
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "### MT quality" in card and "| arc | 3 of 3 | 61.7 [" in card
    meta = yaml.safe_load(card.split("---\n", 2)[1])
    assert meta["mt_quality"]["arc"]["esa_score"] == 61.6667
    assert meta["mt_quality"]["arc"]["mqm_penalty"] == 11.1833

    page = tmp_path / "report.html"
    cli("report", "-c", config, "--out", str(page))
    html = page.read_text(encoding="utf-8")
    assert 'id="mt_quality"' in html and "Calidad de la traducción automática" in html
    assert "61,7" in html and "11,18" in html


def test_the_report_leaves_out_votes_on_an_earlier_text_as_resolve_does(esa_campaign, tmp_path):
    """After the pull, item 0's question is edited in the source and not pushed yet: its
    votes were cast on the earlier text, so the report's resolution (verdicts and MT
    quality) no longer counts them, as `annotate resolve` does not."""
    from annotate import insights
    from annotate.config import load_config

    data = yaml.safe_load(esa_campaign["config"].read_text())
    bench = data["benchmarks"][0]
    rows = json.loads(Path(bench["translation"]["path"]).read_text(encoding="utf-8"))
    rows[0]["instruction"] += " (editado)"
    src = tmp_path / "arc.json"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    bench["translation"]["path"] = str(src)
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    pulled = insights.load_latest(load_config(edited))
    items = pulled.resolution.items.set_index("record_id")
    i0, i1, i2 = esa_campaign["ids"]
    assert items.loc[i0, "status"] == "unannotated" and pd.isna(items.loc[i0, "mt_esa_score"])
    assert items.loc[i1, "status"] == "validated" and items.loc[i1, "mt_esa_score"] == 95.0
    arc = pulled.resolution.params["mt_quality"]["benchmarks"]["arc"]
    assert arc["scored_items"] == 2 and arc["esa_score"] == 57.5  # (95 + 20) / 2


def test_switching_the_protocol_is_refused(esa_campaign, argilla_server, tmp_path):
    data = yaml.safe_load(esa_campaign["config"].read_text())
    data["protocol"] = "verdict"
    other = tmp_path / "verdict.yaml"
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = cli("push", "-c", str(other), info=argilla_server)
    one_error_line(result, "protocol: the dataset was pushed with protocol 'esa'", "'verdict'")


def test_a_re_push_in_another_language_only_relabels(esa_campaign, argilla_server):
    config = esa_campaign["config"]
    data = yaml.safe_load(config.read_text())
    data["language"] = "en"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    relabelled = cli_json("push", "-c", str(config), info=argilla_server)
    changed = relabelled["benchmarks"][0]["settings_updated"]
    assert "question 'error_spans' title/description/labels" in changed
    # only what a language explains: the ESA design as pushed reads back as the same design
    assert all(c == "guidelines" or c.endswith(("title", "labels", "description")) for c in changed)
    assert not any("markdown" in c or "min_submitted" in c for c in changed)
    assert relabelled["benchmarks"][0]["updated"] == 0
    owner, dataset = esa_campaign["owner"], esa_campaign["dataset"]
    questions = owner.get(f"/api/v1/datasets/{dataset['id']}/questions")["items"]
    span = next(q for q in questions if q["name"] == esa.SPAN_QUESTION)
    assert span["title"] == "Mark the errors"
    assert {o["value"]: o["text"] for o in span["settings"]["options"]}["terminology:major"] == (
        "Terminology · Major"
    )
