"""ESA scores, MQM penalties, span agreement and their summaries, worked by hand."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate import esa
from annotate.esa_quality import (
    Answer,
    Span,
    bootstrap_mean,
    counted_weights,
    error_weight,
    item_quality,
    marked_characters,
    place,
    quality_frame,
    read_spans,
    segment_penalty,
    span_f1,
    summarize,
)

SEGMENTS = {"question": "El gato come.", "A": "Sí", "B": "No"}
LAY = esa.layout(SEGMENTS)
# "[[question]]\n" = 13, so the question is 13..26, its [MISSING] 27..36; "\n\n[[A]]\n" = 8:
# A is 44..46, its [MISSING] 47..56; B is 64..66, its [MISSING] 67..76.
GATO = Span(16, 20, "major")  # "gato"
SI = Span(44, 46, "minor")  # "Sí"
B_MISSING = Span(67, 76, "major")  # an omission in B
GATO_COME = Span(16, 25, "minor")  # "gato come"
ANA = Answer("ana", 6, (GATO, SI, B_MISSING))
BEN = Answer("ben", 8, (GATO_COME,))


def test_the_hand_layout():
    assert LAY.segments == {"question": (13, 26), "A": (44, 46), "B": (64, 66)}
    assert LAY.missing == {"question": (27, 36), "A": (47, 56), "B": (67, 76)}
    assert LAY.text[16:20] == "gato" and LAY.text[16:25] == "gato come"


def test_weights():
    assert error_weight("minor") == 1 and error_weight("major") == 5
    assert error_weight("punctuation:minor") == 0.1 and error_weight("punctuation:major") == 5
    assert error_weight("terminology:minor") == 1 and error_weight("non_translation") == 25
    # 7 errors in one segment: 5 1 0.1 5 5 1 1 -> the 5 heaviest: 5+5+5+1+1 = 17
    labels = ["minor", "major", "punctuation:minor", "major", "major", "minor", "minor"]
    assert counted_weights(labels) == [1, 5, 0, 5, 5, 1, 0]
    assert segment_penalty(labels) == 17
    # a non-translation is 25 for its segment, in place of everything else there
    assert counted_weights(["major", "non_translation", "minor"]) == [0, 25, 0]
    assert segment_penalty([]) == 0


def test_one_item_by_hand():
    q = item_quality([ANA, BEN], LAY)
    assert q.n_esa == 2
    assert q.esa_score == 70.0  # (6 + 8) / 2 * 10
    # ana: question major 5, A minor 1, B omission major 5 = 11; ben: question minor 1
    assert q.mqm_penalty == 6.0  # (11 + 1) / 2
    assert q.segment_penalty == {"question": 3.0, "A": 0.5, "B": 2.5}
    # ana marked 4 + 2 + 9 = 15 characters, ben 9; both marked "gato" (4):
    # F1 = 2 * 4 / (15 + 9) = 1/3
    assert q.span_f1 == pytest.approx(1 / 3)
    assert q.f1_pairs == (8, 24)
    rows = {(r["annotator"], r["segment"]): r for r in q.spans}
    assert rows[("ana", "B")]["missing"] is True and rows[("ana", "B")]["start"] == 2
    assert rows[("ana", "question")]["start"] == 3 and rows[("ana", "question")]["end"] == 7
    assert rows[("ben", "question")]["weight"] == 1.0


def test_spans_over_markers_across_segments_and_overlapping():
    marker = LAY.text.index("[[A]]")
    over_marker = Span(marker, marker + 5, "major")  # only the marker line: says nothing
    across = Span(20, 45, "major")  # " come." + question's [MISSING] + A's marker + "S"
    placed = place([over_marker, across], LAY)
    assert placed[0].segment is None and placed[0].weight == 0
    assert (placed[1].segment, placed[1].start, placed[1].end, placed[1].missing) == (
        "question",
        7,
        13,
        False,
    )
    assert placed[1].weight == 5
    # marked characters leave marker lines and separators out
    assert marked_characters([over_marker], LAY) == set()
    assert marked_characters([across], LAY) == set(range(20, 26)) | set(range(27, 36)) | {44}
    # two overlapping spans of one annotator (the server refuses them; a file may not):
    # two errors, the characters once
    twice = item_quality([Answer("x", None, (GATO, GATO_COME))], LAY)
    assert twice.mqm_penalty == 6 and math.isnan(twice.esa_score)


def test_agreement_edges():
    assert math.isnan(span_f1([set(), set()])[0])  # nobody marked anything: no pair counts
    assert span_f1([{1, 2}, {1, 2}]) == (1.0, 4, 4)
    assert span_f1([{1}, set()]) == (0.0, 0, 1)
    f1, n, d = span_f1([{1, 2}, {2, 3}, set()])  # pairs: 2*1/4, 0/2, 0/2 -> mean 1/6
    assert f1 == pytest.approx(1 / 6) and (n, d) == (2, 8)
    assert item_quality([], LAY).n_esa == 0 and math.isnan(item_quality([], LAY).mqm_penalty)


def test_read_spans_tolerates_damage():
    good = [{"start": 1, "end": 3, "label": "minor"}]
    assert read_spans(json.dumps(good)) == [Span(1, 3, "minor")]
    bad = [{"start": 3, "end": 3}, {"start": "1", "end": 2}, "x", {"start": 0, "end": True}]
    assert read_spans(bad + good) == [Span(1, 3, "minor")]
    assert read_spans("not json") == [] and read_spans(None) == []


def test_bootstrap_mean():
    mean, low, high = bootstrap_mean([0.0, 10.0, 20.0], seed=1)
    assert mean == 10.0 and 0 <= low < mean < high <= 20
    assert bootstrap_mean([0.0, 10.0, 20.0], seed=1) == (mean, low, high)  # seeded
    assert bootstrap_mean([7.0]) == (7.0, 7.0, 7.0)
    assert all(math.isnan(x) for x in bootstrap_mean([math.nan]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=30), st.integers(0, 2**31))
def test_bootstrap_interval_holds_the_mean(values, seed):
    mean, low, high = bootstrap_mean(values, seed=seed, n_bootstrap=200)
    assert min(values) - 1e-9 <= low <= mean + 1e-9 and mean - 1e-9 <= high <= max(values) + 1e-9


def frames(answers: dict[str, list[tuple[str, int, list[dict]]]], hashes=None):
    """items/responses/records frames as resolve sees them, for the hand item copied."""
    items, responses, records = [], [], []
    for rid, answered in answers.items():
        bench = rid.split(":")[0]
        items.append(
            {
                "record_id": rid,
                "benchmark": bench,
                "segments": json.dumps(SEGMENTS),
                "content_hash": "h",
            }
        )
        records.append({"record_id": rid, "translation": LAY.text})
        for user, score, spans in answered:
            for question, value in (
                (esa.SCORE_QUESTION, str(score)),
                (esa.SPAN_QUESTION, json.dumps(spans)),
            ):
                responses.append(
                    {
                        "record_id": rid,
                        "user_id": f"id-{user}",
                        "username": user,
                        "status": "submitted",
                        "question": question,
                        "value": value,
                        "content_hash": (hashes or {}).get((rid, user), "h"),
                    }
                )
    columns = ["record_id", "user_id", "username", "status", "question", "value", "content_hash"]
    return pd.DataFrame(items), pd.DataFrame(responses, columns=columns), pd.DataFrame(records)


def as_dicts(*spans: Span) -> list[dict]:
    return [{"start": s.start, "end": s.end, "label": s.label} for s in spans]


def test_quality_frame_and_summary_by_hand():
    items, responses, records = frames(
        {
            "arc:1": [("ana", 6, as_dicts(GATO, SI, B_MISSING)), ("ben", 8, as_dicts(GATO_COME))],
            "arc:2": [("ana", 10, []), ("ben", 9, [])],
            "mmlu:1": [("ana", 3, as_dicts(Span(13, 26, "mistranslation:major")))],
            "mmlu:2": [],
        }
    )
    frame = quality_frame(items, responses, records).set_index("record_id")
    assert frame.loc["arc:1", "mt_esa_score"] == 70 and frame.loc["arc:1", "mt_mqm_penalty"] == 6
    assert frame.loc["arc:2", "mt_esa_score"] == 95 and frame.loc["arc:2", "mt_mqm_penalty"] == 0
    assert frame.loc["mmlu:1", "mt_esa_score"] == 30 and frame.loc["mmlu:1", "mt_mqm_penalty"] == 5
    assert frame.loc["mmlu:2", "n_esa"] == 0 and math.isnan(frame.loc["mmlu:2", "mt_esa_score"])
    assert json.loads(frame.loc["arc:1", "mt_segment_penalty"]) == {
        "question": 3.0,
        "A": 0.5,
        "B": 2.5,
    }
    summary = summarize(frame.reset_index(), ["arc", "mmlu"], seed=0, n_bootstrap=200)
    arc = summary["benchmarks"]["arc"]
    # arc: ESA (70 + 95) / 2 = 82.5, MQM (6 + 0) / 2 = 3; F1 pooled: 8/24 (arc:2 no marks)
    assert (arc["items"], arc["scored_items"], arc["esa_score"], arc["mqm_penalty"]) == (
        2,
        2,
        82.5,
        3.0,
    )
    assert arc["span_f1"] == round(1 / 3, 4)
    assert 70 <= arc["esa_low"] <= 82.5 <= arc["esa_high"] <= 95
    mmlu = summary["benchmarks"]["mmlu"]
    assert (mmlu["items"], mmlu["scored_items"], mmlu["esa_score"], mmlu["mqm_penalty"]) == (
        2,
        1,
        30.0,
        5.0,
    )
    assert mmlu["span_f1"] is None  # one annotator: no pair
    overall = summary["benchmarks"]["overall"]
    assert overall["esa_score"] == round((70 + 95 + 30) / 3, 4)  # 65.0
    assert overall["mqm_penalty"] == round((6 + 0 + 5) / 3, 4)  # 3.6667
    cats = {(c["benchmark"], c["category"]): c for c in summary["categories"]}
    # arc: no categories in the labels; per item: (11 + 1) / 2 = 6 on arc:1, 0 on arc:2 -> 3
    assert cats[("arc", "uncategorised")] == {
        "benchmark": "arc",
        "category": "uncategorised",
        "minor": 2,
        "major": 2,
        "penalty_per_item": 3.0,
    }
    assert cats[("mmlu", "mistranslation")]["penalty_per_item"] == 5.0
    assert cats[("mmlu", "mistranslation")]["major"] == 1


def test_votes_on_an_earlier_text_and_unsubmitted_do_not_count():
    items, responses, records = frames(
        {"arc:1": [("ana", 6, as_dicts(GATO)), ("ben", 2, as_dicts(GATO_COME))]},
        hashes={("arc:1", "ben"): "old"},
    )
    frame = quality_frame(items, responses, records)
    assert frame.loc[0, "mt_esa_score"] == 60 and frame.loc[0, "mt_mqm_penalty"] == 5
    responses.loc[responses["username"] == "ana", "status"] = "draft"
    assert quality_frame(items, responses, records).loc[0, "n_esa"] == 0


def test_a_field_not_laid_out_as_pushed_still_counts():
    items, responses, records = frames({"arc:1": [("ana", 6, as_dicts(GATO, SI))]})
    records["translation"] = (
        "**Pregunta** something else entirely, long enough ......................"
    )
    frame = quality_frame(items, responses, records)
    # no layout: one segment (None), both errors count: 5 + 1
    assert frame.loc[0, "mt_mqm_penalty"] == 6
    assert json.loads(frame.loc[0, "mt_segment_penalty"]) == {"None": 6.0}
    # a snapshot from before pull kept the field: the same, without a layout
    older = quality_frame(items, responses, records.drop(columns=["translation"]))
    assert older.loc[0, "mt_mqm_penalty"] == 6


def test_release_columns_responses_card_and_report_by_hand():
    from annotate.esa_quality import (
        card_metadata,
        card_section,
        placed_value,
        release_responses,
        release_values,
        report_section,
    )

    items, responses, records = frames(
        {"arc:1": [("ana", 6, as_dicts(GATO, SI, B_MISSING)), ("ben", 8, as_dicts(GATO_COME))]}
    )
    frame = quality_frame(items, responses, records)
    row = frame.iloc[0].to_dict()
    assert release_values(row) == {
        "mt_esa_score": 70.0,
        "mt_mqm_penalty": 6.0,
        "mt_segment_penalty": json.dumps({"question": 3.0, "A": 0.5, "B": 2.5}),
    }
    assert release_values({**row, "n_esa": 0}) == dict.fromkeys(release_values(row))
    assert release_values({}) == dict.fromkeys(release_values(row))
    placed = json.loads(placed_value(as_dicts(GATO, B_MISSING), LAY, SEGMENTS))
    assert placed == [
        {
            "start": 16,
            "end": 20,
            "label": "major",
            "segment": "question",
            "segment_start": 3,
            "segment_end": 7,
            "missing": False,
            "text": "gato",
        },
        {
            "start": 67,
            "end": 76,
            "label": "major",
            "segment": "B",
            "segment_start": 2,
            "segment_end": 2,
            "missing": True,
            "text": "",
        },
    ]
    out = release_responses(responses, records, {"arc:1": SEGMENTS})
    spans = out[out["question"] == esa.SPAN_QUESTION]["value"].map(json.loads)
    assert [len(v) for v in spans] == [3, 1] and spans.iloc[1][0]["text"] == "gato come"
    scores = out[out["question"] == esa.SCORE_QUESTION]["value"]
    assert list(scores) == ["6", "8"]  # other answers untouched

    summary = summarize(frame, ["arc"], n_bootstrap=100)
    card = "\n".join(card_section(summary))
    assert (
        "### MT quality" in card
        and "| arc | 1 of 1 | 70.0 [70.0, 70.0] | 6.00 [6.00, 6.00]" in card
    )
    assert "| arc | uncategorised | 2 | 2 | 6.00 |" in card
    meta = card_metadata(summary)
    assert meta["arc"] == {
        "scored_items": 1,
        "esa_score": 70.0,
        "esa_low": 70.0,
        "esa_high": 70.0,
        "mqm_penalty": 6.0,
        "mqm_low": 6.0,
        "mqm_high": 6.0,
        "span_f1": round(1 / 3, 4),
    }
    section = report_section(summary, "es")
    assert section["rows"][0]["esa"] == "70,0" and section["rows"][1]["benchmark"] == "Global"
    assert section["categories"][0]["category"] == "Sin tipo"
    empty = summarize(quality_frame(*frames({"arc:9": []})), ["arc"], n_bootstrap=10)
    assert report_section(empty, "es") is None
    assert "| arc | 0 of 1 | n/a | n/a | n/a |" in "\n".join(card_section(empty))
