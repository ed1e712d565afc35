"""Items by status, with their reasons: the pure listing over resolve's output."""

from __future__ import annotations

import json

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.listing import (
    REASONS,
    comments_by_record,
    comments_text,
    item_reasons,
    list_items,
    reason_text,
    votes_text,
)
from annotate.model import Q_COMMENT, Q_CORRECTION, Q_VERDICT, STATUSES, format_correction
from annotate.resolve import BLOCKING_ISSUES, resolve

MT = {"question": "¿Cuál es la capital de Francia?", "A": "París", "B": "Lyon"}
T0 = pd.Timestamp("2025-01-01T00:00:00Z")
# What one annotator may do with one item: nothing, or vote (with a correction).
ACTS = st.sampled_from(
    [None, "correct", "unusable", "corrected:fix", "corrected:dup", "corrected:empty"]
)


def _correction(kind: str) -> str:
    seg = dict(MT)
    if kind == "fix":
        seg["question"] = "¿Cuál es la capital francesa?"
    elif kind == "dup":
        seg["B"] = seg["A"]
    else:
        seg["B"] = ""
    return format_correction(seg)


def _resolved(plan: list[list[str | None]], min_votes: int) -> pd.DataFrame:
    items = pd.DataFrame(
        {
            "record_id": [f"arc:{i}" for i in range(len(plan))],
            "benchmark": ["arc" if i % 2 else "mmlu" for i in range(len(plan))],
            "item_key": [str(i) for i in range(len(plan))],
            "segments": json.dumps(MT, ensure_ascii=False),
            "original": None,
        }
    )
    rows = []
    for i, acts in enumerate(plan):
        for u, act in enumerate(acts):
            if act is None:
                continue
            verdict, _, kind = act.partition(":")
            t = T0 + pd.Timedelta(minutes=len(rows))
            base = {
                "record_id": f"arc:{i}",
                "benchmark": items["benchmark"][i],
                "item_key": str(i),
                "user_id": f"id-{u}",
                "username": f"u{u}",
                "status": "submitted",
                "inserted_at": t,
                "updated_at": t,
            }
            rows.append({**base, "question": Q_VERDICT, "value": verdict})
            if kind:
                rows.append({**base, "question": Q_CORRECTION, "value": _correction(kind)})
    responses = pd.DataFrame(
        rows,
        columns=[
            "record_id",
            "benchmark",
            "item_key",
            "user_id",
            "username",
            "status",
            "inserted_at",
            "updated_at",
            "question",
            "value",
        ],
    )
    return resolve(items, responses, min_votes=min_votes, n_bootstrap=10).items


@settings(max_examples=40, deadline=None)
@given(
    plan=st.lists(st.lists(ACTS, min_size=0, max_size=3), min_size=1, max_size=12),
    min_votes=st.integers(1, 3),
)
def test_listing_is_the_resolution_filtered_and_explained(plan, min_votes):
    resolved = _resolved(plan, min_votes)
    everything = list_items(resolved, min_votes=min_votes)
    assert [r["record_id"] for r in everything] == list(resolved["record_id"])
    assert [r["status"] for r in everything] == list(resolved["status"])
    json.dumps(everything)  # --json needs nothing more
    for status in STATUSES:
        listed = list_items(resolved, statuses=[status], min_votes=min_votes)
        assert [r["record_id"] for r in listed] == list(
            resolved.loc[resolved["status"] == status, "record_id"]
        )
    only = list_items(resolved, statuses=["needs_review"], benchmarks=["arc"], min_votes=1)
    assert all(r["benchmark"] == "arc" and r["status"] == "needs_review" for r in only)
    for row in everything:
        # every issue is explained, and an item never waits for review without a reason
        assert len(row["reasons"]) >= len(row["issues"])
        if row["status"] == "needs_review":
            assert row["reasons"] and all(r not in REASONS for r in row["reasons"])
        if row["status"] == "unannotated":
            assert row["reasons"][0] == f"{row['n_submitted']} of {min_votes} submitted votes"
        assert sum(row["votes"].values()) == row["n_submitted"]
        assert row["question"] == MT["question"]


def test_every_blocking_issue_has_words():
    # a rule that sends items to review must say why in plain words, not as a code
    assert set(BLOCKING_ISSUES) <= set(REASONS)


def test_reasons_read_like_sentences_and_unknown_codes_survive():
    assert reason_text("verdict_tie") == "the verdicts tied"
    assert reason_text("duplicate_choices:A,B") == "choices A,B are identical"
    assert reason_text("empty_segment:C") == "segment C is empty"
    assert reason_text("contains_secret:A:email+hf_token") == (
        "the correction of segment A holds email, hf_token (never published)"
    )
    assert reason_text("a_rule_added_later:X") == "a_rule_added_later:X"
    assert votes_text({"correct": 1, "corrected": 1}) == "correct 1, corrected 1"
    assert votes_text({}) == "—"
    row = {"status": "unusable", "n_submitted": 2, "issues": "[]"}
    row["error_categories"] = '{"mistranslation": 2, "cultural_adaptation": 1}'
    assert item_reasons(row, min_votes=2) == ["flagged: mistranslation 2, cultural_adaptation 1"]


def test_tie_and_broken_correction_are_told_apart():
    resolved = _resolved(
        [["correct", "corrected:fix"], ["corrected:dup", "corrected:dup"], ["correct"]], 2
    )
    rows = {r["record_id"]: r for r in list_items(resolved, min_votes=2)}
    assert rows["arc:0"]["reasons"] == ["the verdicts tied"]
    assert rows["arc:1"]["reasons"] == ["choices A,B are identical"]
    assert rows["arc:2"]["reasons"] == ["1 of 2 submitted votes"]


def test_comments_come_from_submitted_and_discarded_responses_in_time_order():
    def row(record, user, status, value, minute):
        t = T0 + pd.Timedelta(minutes=minute)
        return {
            "record_id": record,
            "username": user,
            "question": Q_COMMENT,
            "value": value,
            "status": status,
            "updated_at": t,
        }

    responses = pd.DataFrame(
        [
            row("arc:1", "ben", "submitted", "Falta  una\ncoma.", 3),
            row("arc:1", "ana", "discarded", "No sé de química.", 1),
            row("arc:1", "cris", "draft", "a medias", 2),
            row("arc:2", "ana", "submitted", "   ", 4),
            row("arc:2", "ben", "submitted", None, 5),
        ]
    )
    comments = comments_by_record(responses)
    assert comments == {
        "arc:1": [
            {"username": "ana", "status": "discarded", "comment": "No sé de química."},
            {"username": "ben", "status": "submitted", "comment": "Falta una coma."},
        ]
    }
    assert comments_text(comments["arc:1"]) == "ana: No sé de química. | ben: Falta una coma."
    resolved = _resolved([["correct"], ["correct", "corrected:fix"]], 2)
    listed = list_items(resolved, min_votes=2, comments=comments)
    assert [r["comments"] for r in listed] == [[], comments["arc:1"]]
