"""An ESA campaign end to end on the real server: push, scripted annotators mark spans and
score through the REST API (as the UI does), pull stores them."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from argilla_rest import Rest
from campaigns import OKAPI, cli, cli_json, make_config, one_error_line, pushed_dataset

from annotate import esa
from annotate.model import parse_correction

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def esa_campaign(argilla_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("esa")
    rows = json.loads((OKAPI / "m_arc_es_validation.json").read_text(encoding="utf-8"))[:3]
    src = tmp / "arc.json"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    config = make_config(tmp, benchmarks=["arc"], files={"arc": src}, protocol="esa")
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
    users = {
        n: owner.create_annotator(f"{n}-{tag}", f"{n}-password-123", ws["id"])
        for n in ("ana", "ben")
    }
    return {
        "config": config,
        "owner": owner,
        "dataset": dataset,
        "records": [by_id[i] for i in ids],
        "ids": ids,
        "users": users,
        "tag": tag,
    }


def segments_of(record: dict) -> dict[str, str]:
    text = record["suggestions"][0]["value"]
    names = [ln[2:-2] for ln in text.splitlines() if ln.startswith("[[") and ln.endswith("]]")]
    return parse_correction(text, names)


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
        assert lay is not None
        assert {n: lay.text[s:e] for n, (s, e) in lay.segments.items()} == segments


def test_spans_and_scores_are_stored_by_pull(esa_campaign, argilla_server):
    ana = esa_campaign["users"]["ana"]
    record = esa_campaign["records"][0]
    segments = segments_of(record)
    lay = esa.parse_layout(record["fields"][esa.SPAN_FIELD], list(segments))
    s, e = esa.field_offsets(lay, "question", 0, 3)
    ms, me = esa.missing_offsets(lay, "A")
    spans = [
        {"start": s, "end": e, "label": "mistranslation:major"},
        {"start": ms, "end": me, "label": "omission_addition:minor"},
    ]
    ana.respond(
        record["id"], {esa.SPAN_QUESTION: spans, esa.SCORE_QUESTION: 6, "verdict": "correct"}
    )
    result = cli_json("pull", "-c", str(esa_campaign["config"]), info=argilla_server)
    responses = pd.read_parquet(f"{result['path']}/responses.parquet")
    mine = responses[responses["record_id"] == esa_campaign["ids"][0]].set_index("question")
    assert json.loads(mine.loc[esa.SPAN_QUESTION, "value"]) == spans
    assert mine.loc[esa.SCORE_QUESTION, "value"] == "6"


def test_switching_the_protocol_is_refused(esa_campaign, argilla_server, tmp_path):
    config = esa_campaign["config"]
    data = yaml.safe_load(config.read_text())
    data["protocol"] = "verdict"
    other = tmp_path / "verdict.yaml"
    other.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = cli("push", "-c", str(other), info=argilla_server)
    one_error_line(result, "protocol: the dataset was pushed with protocol 'esa'", "'verdict'")
